"""Exports: each format reads back in the tool a user would open it with."""

from __future__ import annotations

import csv
import io
import stat
from pathlib import Path

import networkx as nx
import pytest
from rdflib import Dataset, Graph

from dutygraph.graph.exports import CSV_COLUMNS, export
from dutygraph.graph.loaded import LoadedGraph

from .test_build import run_cli

RDF_FORMATS = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "xml": "xml"}


@pytest.mark.parametrize("fmt", sorted(RDF_FORMATS))
def test_rdf_exports_hold_every_triple(loaded: LoadedGraph, fmt: str) -> None:
    data = export(loaded.folder, fmt)
    graph = Graph().parse(data=data, format=RDF_FORMATS[fmt])
    assert len(graph) == len(loaded.union)
    assert graph.isomorphic(loaded.union)


def test_nquads_export_keeps_one_graph_per_document(loaded: LoadedGraph) -> None:
    dataset = Dataset()
    dataset.parse(data=export(loaded.folder, "nq"), format="nquads")
    names = {str(g.identifier) for g in dataset.graphs() if len(g)}
    assert set(loaded.texts) == {"party-talent-work-opinion", "employment-promotion-opinion-2018"}
    documents = {f"{loaded.ns.data}document/{doc}" for doc in loaded.texts}
    # a graph per document, the register of bodies and posts, the ontology
    assert names == {*documents, f"{loaded.ns.data}register", str(loaded.ns.ontology_iri)}


def test_jsonld_context_is_readable(loaded: LoadedGraph) -> None:
    import json

    document = json.loads(export(loaded.folder, "jsonld"))
    context = document["@context"]
    assert context["org"] == "http://www.w3.org/ns/org#"
    assert context["dg"] == loaded.ns.ontology


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_network_exports_open_in_networkx(loaded: LoadedGraph, fmt: str) -> None:
    reader = nx.read_graphml if fmt == "graphml" else nx.read_gexf
    network = reader(io.BytesIO(export(loaded.folder, fmt)))
    bodies = [n for n, d in network.nodes(data=True) if d.get("type") == "body"]
    duties = [n for n, d in network.nodes(data=True) if d.get("type") == "duty"]
    assert "body/party-committee" in bodies
    assert len(duties) > 50
    labels = {d.get("label_zh") for _, d in network.nodes(data=True)}
    assert "人才工作领导小组" in labels


def test_csv_has_the_promised_columns_and_exact_quotes(loaded: LoadedGraph) -> None:
    rows = list(csv.DictReader(io.StringIO(export(loaded.folder, "csv").decode("utf-8-sig"))))
    assert list(rows[0]) == CSV_COLUMNS
    assert len(rows) == len(set(r["duty_id"] for r in rows)) > 50
    assert {r["document"] for r in rows} == set(loaded.texts)  # every document's duties
    for row in rows:
        assert row["duty_id"].startswith(row["document"] + "/")  # ids unique across the corpus
        text = loaded.texts[row["document"]]
        assert text[int(row["start"]) : int(row["end"])] == row["quote_zh"]
        assert row["modality"] in {"obligation", "permission", "encouragement"}
        assert row["actor_implied"] in {"true", "false"}
        assert row["actor_label_zh"] and row["actor_label_en"]


def test_export_to_a_file_and_to_stdout(built_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "graph.ttl"
    result = run_cli("export", "--format", "ttl", "--output", str(target), "--data", str(built_dir))
    assert result.returncode == 0, result.stderr
    stdout = run_cli("export", "--format", "ttl", "--data", str(built_dir))
    assert stdout.stdout.encode("utf-8") == target.read_bytes()


def test_unknown_format_is_a_usage_error_and_writes_nothing(built_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "graph.out"
    target.write_text("earlier export")
    result = run_cli("export", "--format", "docx", "--output", str(target), "--data", str(built_dir))
    assert result.returncode == 2
    assert "invalid choice: 'docx'" in result.stderr
    assert target.read_text() == "earlier export"


def test_export_without_a_build_says_so(tmp_path: Path) -> None:
    result = run_cli("export", "--format", "ttl", "--data", str(tmp_path / "nowhere"))
    assert result.returncode == 1
    assert "no built graph here" in result.stderr


@pytest.mark.parametrize("umask", [0o022, 0o077], ids=lambda umask: f"umask-{umask:04o}")
def test_an_exported_file_has_the_mode_the_umask_gives(built_dir: Path, tmp_path: Path, umask: int) -> None:
    # like a file the shell writes with `>`: 0666 less the umask, not a temporary file's 0600
    target = tmp_path / "graph.nt"
    result = run_cli(
        "export", "--format", "nt", "--output", str(target), "--data", str(built_dir), umask=umask
    )
    assert result.returncode == 0, result.stderr
    assert stat.filemode(target.stat().st_mode) == stat.filemode(stat.S_IFREG | 0o666 & ~umask)
    assert [p.name for p in tmp_path.iterdir()] == ["graph.nt"]  # no temporary file left


def test_export_into_a_missing_folder_is_refused_naming_it(built_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "no" / "such" / "graph.ttl"
    result = run_cli("export", "--format", "ttl", "--output", str(target), "--data", str(built_dir))
    assert result.returncode == 1
    assert result.stderr == (
        f"dutygraph export: error: cannot write {target}: the folder {target.parent} does not exist\n"
    )
    assert not (tmp_path / "no").exists()


def test_export_onto_a_folder_is_refused(built_dir: Path, tmp_path: Path) -> None:
    result = run_cli("export", "--format", "ttl", "--output", str(tmp_path), "--data", str(built_dir))
    assert result.returncode == 1
    assert result.stderr == f"dutygraph export: error: cannot write {tmp_path}: it is a folder\n"
    assert list(tmp_path.iterdir()) == []


FIRST, SECOND = "party-talent-work-opinion", "employment-promotion-opinion-2018"


def test_one_document_export_holds_its_graph_and_the_shared_ones(loaded: LoadedGraph) -> None:
    dataset = Dataset()
    dataset.parse(data=export(loaded.folder, "nq", [SECOND]), format="nquads")
    names = {str(g.identifier) for g in dataset.graphs() if len(g)}
    assert names == {
        f"{loaded.ns.data}document/{SECOND}",
        f"{loaded.ns.data}register",
        str(loaded.ns.ontology_iri),
    }
    rows = list(csv.DictReader(io.StringIO(export(loaded.folder, "csv", [SECOND]).decode("utf-8-sig"))))
    assert rows and {r["document"] for r in rows} == {SECOND}
    everything = list(csv.DictReader(io.StringIO(export(loaded.folder, "csv").decode("utf-8-sig"))))
    assert rows == [r for r in everything if r["document"] == SECOND]


def test_one_document_network_keeps_only_the_bodies_it_names(loaded: LoadedGraph) -> None:
    whole = nx.read_graphml(io.BytesIO(export(loaded.folder, "graphml")))
    part = nx.read_graphml(io.BytesIO(export(loaded.folder, "graphml", [FIRST])))
    duties = {n for n, d in part.nodes(data=True) if d.get("type") == "duty"}
    assert duties and all(n.startswith(f"duty/{FIRST}/") for n in duties)
    assert "人才工作领导小组" in {d.get("label_zh") for _, d in part.nodes(data=True)}
    # a body only the second document names is left out of the first's network
    assert len(part) < len(whole)
    assert set(part) <= set(whole)


def test_export_per_document_writes_a_file_each(built_dir: Path, tmp_path: Path) -> None:
    result = run_cli("export", "--format", "csv", "--per-document", str(tmp_path), "--data", str(built_dir))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([f"{FIRST}.csv", f"{SECOND}.csv"])
    for doc in (FIRST, SECOND):
        rows = list(csv.DictReader(io.StringIO((tmp_path / f"{doc}.csv").read_text("utf-8-sig"))))
        assert rows and {r["document"] for r in rows} == {doc}


def test_export_of_an_unknown_document_names_it(built_dir: Path) -> None:
    result = run_cli("export", "--format", "csv", "--document", "nope", "--data", str(built_dir))
    assert result.returncode == 1
    assert "unknown document 'nope'" in result.stderr and FIRST in result.stderr
    assert result.stdout == ""
