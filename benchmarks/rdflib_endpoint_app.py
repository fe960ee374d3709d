"""rdflib-endpoint serving the built dataset, for sparql_throughput.py (issue 4).

    python benchmarks/rdflib_endpoint_app.py DATASET.nq PORT

Loads the N-Quads into an rdflib `Dataset(default_union=True)` (the default graph is the
union of every named graph, as in `dutygraph serve`) and serves it with rdflib-endpoint at
/sparql through uvicorn on 127.0.0.1 (one worker, uvicorn's defaults otherwise: access log
on, as `dutygraph serve`; CORS on, its default). Needs `rdflib-endpoint`, installed for the benchmark only:
`.venv/bin/pip install -c constraints.txt rdflib-endpoint`.
"""

from __future__ import annotations

import sys

import uvicorn
from rdflib import Dataset
from rdflib_endpoint import SparqlEndpoint


def main(argv: list[str]) -> int:
    data, port = argv[0], int(argv[1])
    dataset = Dataset(default_union=True)
    dataset.parse(data, format="nquads")
    app = SparqlEndpoint(graph=dataset, path="/sparql")
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="info")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
