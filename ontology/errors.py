"""The build's own error type, importable without loading the build (and pySHACL)."""

from dutygraph.errors import DutygraphError


class BuildError(DutygraphError):
    """The build cannot go on; the message says which input and what is wrong."""
