"""The root of every error dutygraph raises on purpose, as httpx has one.

`except DutygraphError` catches what the project itself refuses (bad input, a build that
cannot go on, an unknown id, a refused query, a store that is down), and nothing else: a
bug still surfaces as the Python error it is. Each module keeps its own subclasses, named
for what went wrong.
"""


class DutygraphError(Exception):
    """Something dutygraph refuses or cannot do; the message says what and where."""
