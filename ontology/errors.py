"""The build's own error type, importable without loading the build (and pySHACL)."""


class BuildError(Exception):
    """The build cannot go on; the message says which input and what is wrong."""
