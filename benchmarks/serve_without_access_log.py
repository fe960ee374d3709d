"""`dutygraph serve` exactly as shipped, except uvicorn's access log is off.

Only for api_throughput.py, to show what the one log line per request costs; the product
keeps its access log. Run as `python benchmarks/serve_without_access_log.py --port P`.
"""

from __future__ import annotations

import sys

import uvicorn

from dutygraph.cli import main

_run = uvicorn.run


def _run_without_access_log(app, **settings):
    settings["access_log"] = False
    return _run(app, **settings)


uvicorn.run = _run_without_access_log  # cmd_serve imports uvicorn inside the function: it sees this

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
