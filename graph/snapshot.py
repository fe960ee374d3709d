"""The knowledge read from a store, kept on disk under the store's version, so that a server
starts without reading every record through SPARQL again.

Reading the whole corpus's knowledge through SPARQL takes most of a server's start (about
15 s of rows turned into records, and minutes over HTTP from a remote store); decoding the
same records from a file takes a second or two. The snapshot holds exactly what
`read_knowledge` returned, nothing the store lacks: its file name is a digest of the store's
version (the SHA-256 of the data) and of the code that reads it (graph/knowledge.py and
graph/network.py), so a snapshot is used only for the very data and readers that made it,
and any change to either is read anew.

MessagePack through msgspec, decoded straight into the typed records: unlike pickle, a
snapshot cannot run code, and a damaged or foreign file is an error (then read anew), not
a wrong answer.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import msgspec
import networkx as nx

from dutygraph.ontology.namespaces import Namespaces

from . import knowledge as knowledge_module
from . import network as network_module
from .knowledge import (
    Agent,
    Appointment,
    Concept,
    Document,
    DutyRecord,
    Knowledge,
    Mechanism,
    Relation,
)
from .store import Store

FORMAT = 1  # the layout of `Snapshot`; part of every file name
PREFIX = "knowledge-"
SUFFIX = ".msgpack"
log = logging.getLogger("uvicorn.error")


@dataclass(frozen=True)
class Snapshot:
    """`Knowledge` without its store; the networkx projection as its nodes and edges."""

    ns: Namespaces
    version: str
    agents: dict[str, Agent]
    duties: dict[str, DutyRecord]
    relations: list[Relation]
    appointments: list[Appointment]
    mechanisms: list[Mechanism]
    concepts: dict[str, Concept]
    documents: dict[str, Document]
    texts: dict[str, str]
    nodes: list[tuple[str, dict[str, str]]]
    edges: list[tuple[str, str, str]]  # source, target, relation (also the edge's key)
    triples: int
    duty_concepts: dict[str, tuple[str, ...]]

    @classmethod
    def of(cls, k: Knowledge) -> Snapshot:
        return cls(
            ns=k.ns,
            version=k.version,
            agents=k.agents,
            duties=k.duties,
            relations=k.relations,
            appointments=k.appointments,
            mechanisms=k.mechanisms,
            concepts=k.concepts,
            documents=k.documents,
            texts=k.texts,
            nodes=list(k.network.nodes(data=True)),
            edges=[(source, target, key) for source, target, key in k.network.edges(keys=True)],
            triples=k.triples,
            duty_concepts=k.duty_concepts,
        )

    def knowledge(self, store: Store) -> Knowledge:
        network = nx.MultiDiGraph()
        network.add_nodes_from(self.nodes)
        network.add_edges_from((s, t, relation, {"relation": relation}) for s, t, relation in self.edges)
        return Knowledge(
            store=store,
            ns=self.ns,
            version=self.version,
            agents=self.agents,
            duties=self.duties,
            relations=self.relations,
            appointments=self.appointments,
            mechanisms=self.mechanisms,
            concepts=self.concepts,
            documents=self.documents,
            texts=self.texts,
            network=network,
            triples=self.triples,
            duty_concepts=self.duty_concepts,
        )


def reader_version() -> str:
    """A digest of the code that turns the store's rows into records, and of this layout."""
    digest = hashlib.sha256(f"{FORMAT}\0{msgspec.__version__}\0".encode())
    for module in (knowledge_module, network_module):
        digest.update(Path(module.__file__ or "").read_bytes())
    return digest.hexdigest()


def snapshot_path(folder: Path, version: str) -> Path:
    key = hashlib.sha256(f"{version}\0{reader_version()}".encode()).hexdigest()[:32]
    return folder / f"{PREFIX}{key}{SUFFIX}"


def load_snapshot(path: Path, store: Store) -> Knowledge | None:
    """The knowledge kept at `path`; None when there is none or it cannot be read."""
    try:
        data = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as error:
        log.warning("cannot read the knowledge snapshot %s: %s", path, error.strerror or error)
        return None
    try:
        return msgspec.msgpack.decode(data, type=Snapshot).knowledge(store)
    except (msgspec.DecodeError, msgspec.ValidationError, ValueError) as error:
        log.warning("the knowledge snapshot %s is unreadable (%s): reading the store", path, error)
        return None


def save_snapshot(path: Path, knowledge: Knowledge) -> bool:
    """Write the snapshot whole or not at all (a temporary file renamed into place), and
    remove the folder's older snapshots; False, with a warning, where the folder is not
    writable: the server goes on without."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(msgspec.msgpack.encode(Snapshot.of(knowledge)))
        os.replace(temporary, path)
        for older in path.parent.glob(f"{PREFIX}*{SUFFIX}"):
            if older != path:
                older.unlink(missing_ok=True)
    except OSError as error:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        log.warning("cannot keep the knowledge snapshot in %s: %s", path.parent, error.strerror or error)
        return False
    return True


def remote_snapshot_folder(store_name: str, environ: dict[str, str] | None = None) -> Path:
    """Where the snapshots of a remote store's knowledge are kept on this machine: a folder
    per store under $DUTYGRAPH_CACHE, else $XDG_CACHE_HOME/dutygraph, else ~/.cache/dutygraph
    (each folder keeps the latest version only, so stores must not share one)."""
    environ = dict(os.environ) if environ is None else environ
    if root := environ.get("DUTYGRAPH_CACHE"):
        base = Path(root)
    else:
        base = Path(environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "dutygraph"
    return base / "stores" / hashlib.sha256(store_name.encode()).hexdigest()[:16]


def snapshot_knowledge(store: Store, folder: Path, read: Callable[[Store], Knowledge]) -> Knowledge:
    """The knowledge of `store`: from the snapshot of its version in `folder` when there is
    one, else `read` from the store and kept there for the next start."""
    path = snapshot_path(folder, store.version())
    if (found := load_snapshot(path, store)) is not None:
        return found
    knowledge = read(store)
    save_snapshot(path, knowledge)
    return knowledge
