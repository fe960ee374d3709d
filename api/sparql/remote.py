"""/sparql when the data is in a remote store: the store evaluates, this endpoint guards.

`RemotePool` stands where the worker pool stands (`run(job, deadline) -> Outcome`) and keeps
the endpoint's guarantees with a store that is not in the process:

- the query is checked first, as in a worker (SERVICE refused, nesting bounded); the store is
  sent queries only, at its query endpoint, so nothing can write;
- the dataset is always explicit: the graph parameters, or the query's FROM / FROM NAMED,
  or else the union of the data graphs, each restricted to the graphs this endpoint serves,
  so a graph it does not hold is empty (the store's own graphs, its metadata among them,
  stay out of reach);
- the default prefixes and the base IRI are the endpoint's (a prologue the query may
  override), as the workers give them to pyoxigraph;
- the time limit counts from the request's arrival; the store's own timeouts count as
  timeouts; an answer longer than the limit is refused as too large; a store that is down
  is a 503 naming it.
"""

from __future__ import annotations

import asyncio
import re
import time
from urllib.parse import urljoin

from dutygraph.graph.store import (
    RemoteStore,
    StoreAnswerTooLarge,
    StoreRefused,
    StoreTimeout,
    StoreUnavailable,
)

from .check import check_query, dataset_clauses, syntax_refusal
from .errors import ProtocolError
from .workers import Job, Outcome, QueryTimeout, refused

MEDIA_OF = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "turtle": "text/turtle",
    "ntriples": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}
# What a store's 500 says when evaluating the query failed because of the query, not the store:
# Oxigraph "The custom function <…> is not supported"; Virtuoso "SR…: … Undefined procedure"
EVALUATION_ERROR = re.compile(r"custom function|is not supported|undefined (?:procedure|function)", re.I)
RESULT_MEDIA = frozenset(MEDIA_OF[f] for f in ("json", "xml", "csv", "tsv"))


class RemotePool:
    def __init__(
        self,
        store: RemoteStore,
        graphs: list[str],
        prefixes: dict[str, str],
        endpoint: str,
        *,
        timeout: float,
        max_bytes: int,
    ) -> None:
        self.store, self.graphs = store, tuple(sorted(graphs))
        self.prefixes, self.endpoint = prefixes, endpoint
        self.timeout, self.max_bytes = timeout, max_bytes
        self.prologue = f"BASE <{endpoint}>\n" + "".join(
            f"PREFIX {name}: <{iri}>\n" for name, iri in sorted(prefixes.items())
        )

    async def run(self, job: Job, deadline: float | None = None) -> Outcome:
        deadline = deadline if deadline is not None else time.monotonic() + self.timeout
        return await asyncio.to_thread(self._run, job, deadline)

    def _held(self, graphs: tuple[str, ...]) -> list[str]:
        return [g for g in graphs if g in self.graphs]

    def _dataset(self, job: Job, names_dataset: bool) -> tuple[list[str], list[str]]:
        if job.dataset_given:
            return self._held(job.default_graphs), self._held(job.named_graphs)
        if names_dataset:
            clauses = dataset_clauses(job.query, self.prefixes)
            default = tuple(urljoin(self.endpoint, g) for g in clauses.default)
            named = tuple(urljoin(self.endpoint, g) for g in clauses.named)
            return self._held(default), self._held(named)
        return list(self.graphs), list(self.graphs)

    def _run(self, job: Job, deadline: float) -> Outcome:
        try:
            checked = check_query(job.query)
        except ProtocolError as error:
            return refused(error)
        default, named = self._dataset(job, checked.names_dataset)
        accept = ", ".join(MEDIA_OF[f] for f in (job.results_format, job.graph_format) if f)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise QueryTimeout(f"the query was not answered within {self.timeout:g} s")
        try:
            media, body = self.store.answer(
                self.prologue + job.query,
                accept or "*/*",
                default_graphs=default,
                named_graphs=named,
                timeout=remaining,
                max_bytes=self.max_bytes,
            )
        except StoreTimeout as error:
            raise QueryTimeout(f"the query was not answered within {self.timeout:g} s ({error})") from error
        except StoreAnswerTooLarge:
            return Outcome("too_large", message=f"the result is larger than {self.max_bytes} bytes")
        except StoreUnavailable as error:
            raise ProtocolError(503, "store_unavailable", str(error), {"Retry-After": "5"}) from error
        except StoreRefused as error:
            return self._refusal(job, checked, error)
        form = "select" if media in RESULT_MEDIA else "graph"
        if not accept:  # the client accepts no format at all: the form tells which 406 it gets
            return Outcome("not_acceptable", form=form)
        return Outcome("ok", body=body, form=form)

    def _refusal(self, job: Job, checked, error: StoreRefused) -> Outcome:
        if error.status == 406:  # the query's form is one the client accepts no format for
            return Outcome("not_acceptable", form="graph" if job.results_format else "select")
        if error.status == 400:
            return refused(syntax_refusal(checked, self._unprologued(error.detail or error.reason)))
        if error.status == 500 and EVALUATION_ERROR.search(error.detail):
            # the query's own doing (an unknown function): 400, as the embedded store says it
            return Outcome("query_error", message=error.detail.strip())
        raise ProtocolError(502, "store_refused", str(error))

    def _unprologued(self, message: str) -> str:
        """The store's parse error with its line counted in the query as sent to this endpoint."""
        lines = self.prologue.count("\n")

        def moved(match: re.Match[str]) -> str:
            line = int(match.group(1))
            return f"error at {line - lines if line > lines else line}:{match.group(2)}"

        return re.sub(r"error at (\d+):(\d+)", moved, message)

    def close(self) -> None:
        self.store.close()
