"""The RDF store the runtime queries: an embedded pyoxigraph store by default.

Each document keeps its own named graph and the ontology its own, as the build wrote
them; queries see the union as their default graph.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph


@dataclass
class EmbeddedStore:
    store: pyoxigraph.Store

    @classmethod
    def from_folder(cls, folder: Path) -> EmbeddedStore:
        # Store.load() into memory: queries run about twice as fast as after bulk_load()
        store = pyoxigraph.Store()
        store.load(path=str(folder / "dataset.nq"), format=pyoxigraph.RdfFormat.N_QUADS)
        return cls(store)

    def __len__(self) -> int:
        return len(self.store)

    def graph_names(self) -> list[str]:
        return sorted(str(name.value) for name in self.store.named_graphs())

    def select(self, query: str) -> list[dict[str, str]]:
        """Rows of a SELECT, values as plain strings, the union as default graph."""
        solutions = self.store.query(query, use_default_graph_as_union=True)
        names = [v.value for v in solutions.variables]
        return [{n: row[n].value for n in names if row[n] is not None} for row in solutions]
