"""The build: deterministic, validated, sourced; bad input fails clearly and loses nothing."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from dutygraph.build_progress import BuildProgress
from dutygraph.graph.loaded import LoadedGraph
from dutygraph.ontology import build as build_module
from dutygraph.ontology.annotations import load_register
from dutygraph.ontology.build import (
    DEFAULT_BUILD_DIR,
    PACKAGE_DIR,
    BuildError,
    BuildFailed,
    BuildInputs,
    DocumentFailure,
    DocumentOutput,
    Reused,
    build,
    document_ids,
)
from dutygraph.ontology.compile import register_closure
from dutygraph.ontology.iris import record_id
from dutygraph.ontology.namespaces import OA, ORG

READING_NAME = "party-talent-work-opinion.yaml"
REGISTER_NAME = "agents.yaml"


def run_cli(*args: str, seed: str = "0", umask: int | None = None) -> subprocess.CompletedProcess[str]:
    """`dutygraph ARGS` in a child process; with `umask`, as a user whose umask that is."""
    env = {**os.environ, "PYTHONHASHSEED": seed}
    return subprocess.run(
        [sys.executable, "-m", "dutygraph", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        preexec_fn=None if umask is None else lambda: os.umask(umask),
    )


def modes(folder: Path) -> dict[str, str]:
    """The permission bits of a folder and of everything in it, as `ls -l` shows them."""
    return {str(p.relative_to(folder)): stat.filemode(p.stat().st_mode) for p in [folder, *folder.rglob("*")]}


def digests(folder: Path, cache: bool = True) -> dict[str, str]:
    """Every file's sha256; without `cache`, not the build's record of what it reused."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and (cache or p.relative_to(folder).parts[0] != "cache")
    }


def test_two_builds_give_identical_bytes(tmp_path: Path, built_dir: Path) -> None:
    # a separate process with another hash seed: no dict or set order leaks into the output
    result = run_cli("build", "--quiet", "--output", str(tmp_path / "again"), seed="12345")
    assert result.returncode == 0, result.stderr
    assert digests(tmp_path / "again") == digests(built_dir)


def test_packaged_build_is_not_stale(built_dir: Path) -> None:
    # the cache record is not committed (.gitignore): it names the code version, which is
    # not the knowledge the packaged build holds
    assert digests(DEFAULT_BUILD_DIR, cache=False) == digests(built_dir, cache=False), (
        "ontology/built/ is stale: run `dutygraph build` and commit the result"
    )


def test_validate_reports_zero_violations(built_dir: Path) -> None:
    result = run_cli("validate", "--data", str(built_dir))
    assert result.returncode == 0, result.stderr
    assert "0 violations" in result.stdout


def test_every_quote_is_the_text_at_its_offsets(loaded: LoadedGraph) -> None:
    graph = loaded.union
    positions = list(graph.subjects(RDF.type, OA.TextPositionSelector))
    assert len(positions) > 100
    quoted = set()
    for source in graph.subjects(RDF.type, OA.SpecificResource):
        selectors = list(graph.objects(source, OA.hasSelector))
        exact = next(graph.value(s, OA.exact) for s in selectors if graph.value(s, OA.exact) is not None)
        start = next(graph.value(s, OA.start) for s in selectors if graph.value(s, OA.start) is not None)
        end = next(graph.value(s, OA.end) for s in selectors if graph.value(s, OA.end) is not None)
        document = record_id(graph.value(source, OA.hasSource), loaded.ns)
        assert loaded.texts[document][int(start) : int(end)] == str(exact), source
        quoted.add(document)
    assert quoted == set(loaded.texts) == {FIRST, SECOND}


def packaged_yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text("utf-8"))


def served_register_ids(inputs: BuildInputs) -> set[str]:
    """What the register graph of a build of `inputs` must hold: the entries the readings
    mention, and (transitively) what they are a unit, a kind or a post of."""
    register = packaged_yaml(inputs.register)
    parents = {b["id"]: [b.get("unit_of"), b.get("kind_of")] for b in register["bodies"]}
    parents |= {p["id"]: [p["post_in"]] for p in register["posts"]}
    todo = [
        m["id"]
        for doc in document_ids(inputs.sources)
        for m in packaged_yaml(inputs.annotations / f"{doc}.yaml")["mentions"]
    ]
    wanted: set[str] = set()
    while todo:
        slug = todo.pop()
        if slug not in wanted:
            wanted.add(slug)
            todo.extend(p for p in parents[slug] if p)
    return wanted


def test_every_body_is_an_organization(loaded: LoadedGraph) -> None:
    query = "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a org:Organization }"
    (count,) = next(iter(loaded.union.query(query, initNs={"org": ORG})))
    bodies = {b["id"] for b in packaged_yaml(BuildInputs().register)["bodies"]}
    assert int(count) == len(bodies & served_register_ids(BuildInputs())) > 40
    subclasses = {ORG.FormalOrganization, ORG.OrganizationalUnit, loaded.ns.dg.SocialGroup}
    for cls in subclasses:
        for body in loaded.union.subjects(RDF.type, cls):
            assert (body, RDF.type, ORG.Organization) in loaded.union


def register_ids(graph: Graph) -> set[str]:
    """The bodies and posts a graph gives a type, by id."""
    agents = set(graph.subjects(RDF.type, ORG.Organization)) | set(graph.subjects(RDF.type, ORG.Post))
    return {str(a).rsplit("/", 1)[-1] for a in agents}


def only(doc: str, folder: Path) -> BuildInputs:
    """Build inputs holding one packaged document (and the whole packaged register)."""
    sources, annotations = folder / "sources", folder / "annotations"
    sources.mkdir(parents=True)
    annotations.mkdir()
    for name in (f"{doc}.txt", f"{doc}.meta.yaml"):
        shutil.copy(PACKAGE_DIR / "sources" / name, sources / name)
    shutil.copy(PACKAGE_DIR / "annotations" / f"{doc}.yaml", annotations / f"{doc}.yaml")
    return BuildInputs(sources=sources, annotations=annotations)


def test_the_register_graph_holds_the_bodies_the_documents_mention_and_no_others(
    built_dir: Path, loaded: LoadedGraph, tmp_path: Path
) -> None:
    served = Graph().parse(built_dir / "register.ttl")
    wanted = served_register_ids(BuildInputs())
    assert register_ids(served) == wanted
    # every mention's body or post, and each one's unit_of / kind_of / post_in parent, is in it
    mentioned = {str(o).rsplit("/", 1)[-1] for o in loaded.union.objects(None, loaded.ns.dg.mentionOf)}
    parents = {
        str(o).rsplit("/", 1)[-1]
        for p in (ORG.unitOf, loaded.ns.dg.isKindOf, ORG.postIn)
        for o in served.objects(None, p)
    }
    assert mentioned <= wanted and parents <= wanted
    assert wanted == mentioned | parents
    # the same graph is the named graph id/register of dataset.nq, counted in the manifest
    name = loaded.ns.id["register"]
    named = loaded.dataset.graph(name)
    assert set(named) == set(served)
    assert loaded.manifest["graphs"][str(name)] == len(named)
    # no document graph gives a body or post a type: they are the register's
    for graph in loaded.dataset.graphs():
        if graph.identifier != name:
            assert not register_ids(graph), graph.identifier

    # a build of one document serves what it mentions (and their parents) and no others
    inputs = only(SECOND, tmp_path / "inputs")
    build(tmp_path / "alone", inputs, jobs=1)
    alone = register_ids(Graph().parse(tmp_path / "alone" / "register.ttl"))
    assert alone == served_register_ids(inputs)
    assert alone < wanted  # the first document's bodies are left out
    assert alone >= {m["id"] for m in packaged_yaml(inputs.annotations / f"{SECOND}.yaml")["mentions"]}


def test_no_resource_is_described_by_two_document_graphs(loaded: LoadedGraph) -> None:
    described: dict[URIRef, list[str]] = {}
    documents = [
        g for g in loaded.dataset.graphs() if str(g.identifier).startswith(loaded.ns.id["document/"])
    ]
    assert sorted(str(g.identifier) for g in documents) == [
        str(loaded.ns.id[f"document/{doc}"]) for doc in sorted([FIRST, SECOND])
    ]
    for graph in documents:
        for subject in set(graph.subjects(RDF.type, None)):
            described.setdefault(subject, []).append(str(graph.identifier))
            # a document describes only itself and what is under its IRI
            assert subject == graph.identifier or str(subject).startswith(f"{graph.identifier}/"), subject
    assert len(described) > 1000
    assert {s: names for s, names in described.items() if len(names) > 1} == {}


def test_a_build_in_which_two_documents_describe_one_resource_is_refused(
    inputs_copy: BuildInputs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = URIRef("https://dutygraph.example/id/body/party-committee")
    compile_document = build_module.compile_document

    def describing_a_body(*args: object, **kwargs: object) -> tuple[Graph, str]:
        graph, text = compile_document(*args, **kwargs)
        graph.add((body, RDF.type, ORG.Organization))
        return graph, text

    monkeypatch.setattr(build_module, "compile_document", describing_a_body)
    with pytest.raises(BuildError) as error:
        build(tmp_path / "out", inputs_copy, jobs=1)  # in this process: the patch holds
    assert not isinstance(error.value, BuildFailed)  # each document is valid on its own
    message = str(error.value)
    assert "described by more than one document" in message and "nothing was written" in message
    assert f"- {body} ({', '.join(sorted([FIRST, SECOND]))})" in message
    assert not (tmp_path / "out").exists()


# -- bad input -------------------------------------------------------------------------------


def edit_reading(inputs: BuildInputs, change) -> Path:
    path = inputs.annotations / READING_NAME
    data = yaml.safe_load(path.read_text("utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def build_with(inputs: BuildInputs, output: Path) -> subprocess.CompletedProcess[str]:
    return run_cli(
        "build",
        "--quiet",
        "--output",
        str(output),
        "--sources",
        str(inputs.sources),
        "--annotations",
        str(inputs.annotations),
        "--register",
        str(inputs.register),
    )


def set_first_duty(field: str, value: object):
    def change(data: dict) -> None:
        data["duties"][0][field] = value

    return change


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (set_first_duty("quote", "这句话不在文件里"), "quote not found in article"),
        (set_first_duty("actor", "no-such-body"), "actor: unknown body or post 'no-such-body'"),
        (set_first_duty("modality", "maybe"), "modality: Input should be 'obligation'"),
        (set_first_duty("action", "no-such-action"), "action: unknown action"),
        (set_first_duty("article", 99), "article: the document has no article 99"),
        (lambda data: data["duties"].append(dict(data["duties"][0])), "duplicate id"),
        (lambda data: data["mentions"][0].pop("quote"), "mentions[0] (party): quote: Field required"),
    ],
)
def test_a_bad_annotation_fails_naming_file_entry_and_problem(
    inputs_copy: BuildInputs, built_dir: Path, tmp_path: Path, change, expected: str
) -> None:
    output = Path(shutil.copytree(built_dir, tmp_path / "out"))  # what a build of these inputs wrote
    before = digests(output)
    edit_reading(inputs_copy, change)
    result = build_with(inputs_copy, output)
    assert result.returncode == 1
    assert READING_NAME in result.stderr
    assert expected in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert digests(output) == before  # the earlier outputs are intact


def write_yaml(path: Path, data: dict) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")


def test_a_mention_of_an_id_the_register_does_not_hold_fails_the_build(
    inputs_copy: BuildInputs, tmp_path: Path
) -> None:
    reading = inputs_copy.annotations / READING_NAME
    data = packaged_yaml(reading)
    i = len(data["mentions"]) // 2
    data["mentions"][i]["id"] = "no-such-body"
    write_yaml(reading, data)
    result = build_with(inputs_copy, tmp_path / "out")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert (
        f"{READING_NAME}: mentions[{i}] (no-such-body): id: not an entry of the register" in result.stderr
    ), result.stderr
    assert not (tmp_path / "out").exists()


def test_a_duty_whose_actor_the_reading_does_not_mention_fails_the_build(
    inputs_copy: BuildInputs, tmp_path: Path
) -> None:
    reading = inputs_copy.annotations / READING_NAME
    data = packaged_yaml(reading)
    mentioned = {m["id"] for m in data["mentions"]}
    # a body of the register that only the other document names
    actor = sorted({b["id"] for b in packaged_yaml(inputs_copy.register)["bodies"]} - mentioned)[0]
    i = 3
    data["duties"][i]["actor"] = actor
    write_yaml(reading, data)
    result = build_with(inputs_copy, tmp_path / "out")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    entry = f"duties[{i}] ({data['duties'][i]['id']})"
    problem = f"actor: {actor!r} is in the register but not among this reading's mentions"
    assert f"{READING_NAME}: {entry}: {problem}" in result.stderr, result.stderr
    assert not (tmp_path / "out").exists()


def unit_of_no_body(register: dict) -> str:
    i, body = next((i, b) for i, b in enumerate(register["bodies"]) if b.get("unit_of"))
    body["unit_of"] = "no-such-body"
    return f"bodies[{i}] ({body['id']}): unit_of: unknown body 'no-such-body'"


def kind_of_no_body(register: dict) -> str:
    i, body = next((i, b) for i, b in enumerate(register["bodies"]) if b.get("kind_of"))
    body["kind_of"] = register["posts"][0]["id"]  # a post, not a body
    return f"bodies[{i}] ({body['id']}): kind_of: unknown body {register['posts'][0]['id']!r}"


def post_in_no_body(register: dict) -> str:
    register["posts"][-1]["post_in"] = "no-such-body"
    return f"posts[{len(register['posts']) - 1}] ({register['posts'][-1]['id']}): post_in: unknown body"


def body_without_zh(register: dict) -> str:
    register["bodies"][1].pop("zh")
    return f"bodies[1] ({register['bodies'][1]['id']}): zh: Field required"


@pytest.mark.parametrize("change", [unit_of_no_body, kind_of_no_body, post_in_no_body, body_without_zh])
def test_a_bad_register_entry_fails_the_build_naming_the_register_and_the_entry(
    inputs_copy: BuildInputs, built_dir: Path, tmp_path: Path, change
) -> None:
    output = Path(shutil.copytree(built_dir, tmp_path / "out"))
    before = digests(output)
    register = packaged_yaml(inputs_copy.register)
    expected = change(register)
    write_yaml(inputs_copy.register, register)
    result = build_with(inputs_copy, output)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"{inputs_copy.register}: {expected}" in result.stderr, result.stderr
    assert digests(output) == before


def test_malformed_yaml_is_reported(inputs_copy: BuildInputs, tmp_path: Path) -> None:
    (inputs_copy.annotations / READING_NAME).write_text("duties: [\n  - id: a01-1\n", "utf-8")
    result = build_with(inputs_copy, tmp_path / "out")
    assert result.returncode == 1
    assert "not valid YAML" in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_missing_source_fails(inputs_copy: BuildInputs, tmp_path: Path) -> None:
    (inputs_copy.sources / "party-talent-work-opinion.txt").unlink()
    result = build_with(inputs_copy, tmp_path / "out")
    assert result.returncode == 1
    assert "source text" in result.stderr and "not found" in result.stderr


def test_an_altered_source_fails(inputs_copy: BuildInputs, tmp_path: Path) -> None:
    source = inputs_copy.sources / "party-talent-work-opinion.txt"
    source.write_text(source.read_text("utf-8") + "。", "utf-8")
    result = build_with(inputs_copy, tmp_path / "out")
    assert result.returncode == 1
    assert "not the one received" in result.stderr


def test_a_bad_namespace_is_refused(tmp_path: Path) -> None:
    result = run_cli("build", "--output", str(tmp_path / "out"), "--data-namespace", "dutygraph")
    assert result.returncode == 1
    assert "data namespace must be an http(s) IRI" in result.stderr


def test_other_namespaces_are_honoured(tmp_path: Path) -> None:
    result = run_cli(
        "build",
        "--quiet",
        "--output",
        str(tmp_path / "out"),
        "--data-namespace",
        "http://example.org/data/",
        "--ontology-namespace",
        "http://example.org/onto#",
    )
    assert result.returncode == 0, result.stderr
    dataset = (tmp_path / "out" / "dataset.nq").read_text("utf-8")
    assert "<http://example.org/data/body/" in dataset
    assert "<http://example.org/onto#Provision>" in dataset
    assert "dutygraph.example" not in dataset


def test_validate_catches_a_tampered_build(built_dir: Path, tmp_path: Path) -> None:
    copy = Path(shutil.copytree(built_dir, tmp_path / "tampered"))
    dataset = copy / "dataset.nq"
    lines = dataset.read_text("utf-8").splitlines(keepends=True)
    # shift one quote's start offset: the quote no longer matches the text there
    index = next(
        i for i, line in enumerate(lines) if "/duty/a05-8/source/position>" in line and "#start>" in line
    )
    lines[index] = lines[index].replace('"', '"1', 1)
    dataset.write_text("".join(lines), "utf-8")
    result = run_cli("validate", "--data", str(copy))
    assert result.returncode == 1
    assert "a05-8/source" in result.stderr and "is not the text at" in result.stderr


@pytest.mark.parametrize("umask", [0o022, 0o027], ids=lambda umask: f"umask-{umask:04o}")
def test_built_folders_and_files_follow_the_umask(tmp_path: Path, umask: int) -> None:
    # as `mkdir` and `touch` would make them: folders 0777 and files 0666, less the umask
    result = run_cli("build", "--quiet", "--output", str(tmp_path / "out"), umask=umask)
    assert result.returncode == 0, result.stderr
    folder, file = stat.filemode(stat.S_IFDIR | 0o777 & ~umask), stat.filemode(stat.S_IFREG | 0o666 & ~umask)
    found = modes(tmp_path / "out")
    assert {"documents", "texts", "dataset.nq", "manifest.json"} <= set(found)
    assert found == {name: folder if (tmp_path / "out" / name).is_dir() else file for name in found}, (
        f"umask {umask:04o}"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging folder left


def test_build_makes_its_output_folder_but_not_a_missing_parent(tmp_path: Path) -> None:
    output = tmp_path / "no-such-folder" / "out"
    result = run_cli("build", "--quiet", "--output", str(output))
    assert result.returncode == 1
    assert result.stderr == (
        f"dutygraph build: error: cannot write {output}: the folder {output.parent} does not exist\n"
    )
    assert not output.parent.exists()


def test_build_never_replaces_a_file_with_its_folder(tmp_path: Path) -> None:
    output = tmp_path / "notes.txt"
    output.write_text("mine")
    result = run_cli("build", "--quiet", "--output", str(output))
    assert result.returncode == 1
    assert f"cannot write {output}: it is a file, not a folder" in result.stderr
    assert output.read_text() == "mine"


# -- documents built each on its own: in parallel, reused when nothing changed ---------------

FIRST, SECOND = "party-talent-work-opinion", "employment-promotion-opinion-2018"


class Recorder:
    """A build listener that keeps what it is told."""

    def __init__(self) -> None:
        self.outcomes: dict[str, str] = {}
        self.notes: list[str] = []

    def planned(self, total: int, to_build: int) -> None:
        self.total, self.to_build = total, to_build

    def working(self, doc_ids: list[str]) -> None:
        pass

    def finished(self, outcome: DocumentOutput | Reused | DocumentFailure) -> None:
        kind = {DocumentOutput: "built", Reused: "reused", DocumentFailure: "failed"}[type(outcome)]
        self.outcomes[outcome.doc_id] = kind

    def note(self, message: str) -> None:
        self.notes.append(message)


@pytest.fixture
def two_documents(inputs_copy: BuildInputs) -> BuildInputs:
    """The two packaged documents and the register, copied side by side into one input folder.

    Each document describes only what is under its own IRI, bodies and posts are the
    register's: their union is as valid as each of them."""
    assert document_ids(inputs_copy.sources) == sorted([FIRST, SECOND])
    return inputs_copy


def document_lines(folder: Path, doc: str) -> list[str]:
    graph = f"<https://dutygraph.example/id/document/{doc}> .\n"
    lines = (folder / "dataset.nq").read_text("utf-8").splitlines(keepends=True)
    return [line for line in lines if line.endswith(graph)]


def test_two_documents_build_in_parallel_then_reuse_and_rebuild_only_what_changed(
    two_documents: BuildInputs, built_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = tmp_path / "out"
    cold = Recorder()
    result = build(output, two_documents, listener=cold, jobs=2)
    assert (result.built, result.reused, result.written) == (sorted([FIRST, SECOND]), [], True)
    assert cold.outcomes == {FIRST: "built", SECOND: "built"}
    assert not any("more than one document" in note for note in cold.notes)
    # in parallel, the packaged build's bytes
    assert digests(output, cache=False) == digests(built_dir, cache=False)
    # built beside another document, the first is exactly what it is built alone
    build(tmp_path / "first-alone", only(FIRST, tmp_path / "first-inputs"), jobs=1)
    assert document_lines(output, FIRST) == document_lines(tmp_path / "first-alone", FIRST)
    for name in (f"documents/{FIRST}.ttl", f"texts/{FIRST}.txt"):
        assert (output / name).read_bytes() == (tmp_path / "first-alone" / name).read_bytes()
    first = digests(output)

    # nothing changed: nothing compiled, validated or parsed, nothing written
    def no_work(*args: object, **kwargs: object) -> None:
        raise AssertionError("a build with nothing changed did work")

    with monkeypatch.context() as patched:
        for name in ("build_document", "try_document", "write_outputs", "validate_graph"):
            patched.setattr(build_module, name, no_work)
        patched.setattr(build_module.SharedGraphs, "parse", no_work)
        again = Recorder()
        result = build(output, two_documents, listener=again, jobs=2)
    assert (result.built, result.reused, result.written) == ([], sorted([FIRST, SECOND]), False)
    assert again.outcomes == {FIRST: "reused", SECOND: "reused"}
    assert digests(output) == first

    # one reading changed (a comment: new bytes, the same knowledge): that one is rebuilt
    reading = two_documents.annotations / f"{SECOND}.yaml"
    reading.write_text(reading.read_text("utf-8") + "# reviewed\n", "utf-8")
    one = Recorder()
    result = build(output, two_documents, listener=one, jobs=2)
    assert (result.built, result.reused, result.written) == ([SECOND], [FIRST], True)
    assert one.outcomes == {FIRST: "reused", SECOND: "built"}
    changed = {name for name, digest in digests(output).items() if first.get(name) != digest}
    assert changed == {"manifest.json", "cache/build.json"}  # the reading's hash; the graph is the same
    after_change = digests(output)

    # a reused output is checked against what the build that wrote it recorded
    (output / "texts" / f"{SECOND}.txt").write_text("tampered", "utf-8")
    fixed = Recorder()
    build(output, two_documents, listener=fixed, jobs=2)
    assert fixed.outcomes == {FIRST: "reused", SECOND: "built"}
    assert digests(output) == after_change


def test_a_register_change_rebuilds_only_the_documents_that_name_the_entry(
    two_documents: BuildInputs, tmp_path: Path
) -> None:
    output = tmp_path / "out"
    build(output, two_documents, jobs=1)
    named = {doc: set(entry["register"]) for doc, entry in cache_record(output)["documents"].items()}
    register = yaml.safe_load(two_documents.register.read_text("utf-8"))

    # an entry no document names (ingest proposes them for the document it drafts)
    register["bodies"].append(
        {
            "id": "county-water-bureau",
            "zh": "县水利局",
            "en": "county water bureau",
            "kind": "functional-department",
            "class": "FormalOrganization",
        }
    )
    two_documents.register.write_text(yaml.safe_dump(register, allow_unicode=True), "utf-8")
    added = Recorder()
    result = build(output, two_documents, listener=added, jobs=1)
    assert added.outcomes == {FIRST: "reused", SECOND: "reused"}
    assert result.written  # the manifest lists the register's new hash

    # an entry only the second names, and no entry of the first is a unit or kind of it
    first_needs = register_closure(load_register(two_documents.register), named[FIRST])
    only_second = sorted(named[SECOND] - first_needs)[0]
    entry = next(e for e in register["bodies"] + register.get("posts", []) if e["id"] == only_second)
    entry["alt_zh"] = [*entry.get("alt_zh", []), "测试别称"]
    two_documents.register.write_text(yaml.safe_dump(register, allow_unicode=True), "utf-8")
    changed = Recorder()
    build(output, two_documents, listener=changed, jobs=1)
    assert changed.outcomes == {FIRST: "reused", SECOND: "built"}
    assert "测试别称" in (output / "register.ttl").read_text("utf-8")


def cache_record(folder: Path) -> dict:
    return json.loads((folder / "cache" / "build.json").read_text("utf-8"))


def test_a_failing_document_does_not_stop_the_others_and_nothing_is_written(
    two_documents: BuildInputs, built_dir: Path, tmp_path: Path
) -> None:
    output = Path(shutil.copytree(built_dir, tmp_path / "out"))  # an earlier build's outputs
    shutil.rmtree(output / "cache")  # but nothing to reuse: the good document is built
    before = digests(output)
    manifest = json.loads((built_dir / "manifest.json").read_text("utf-8"))
    triples = manifest["graphs"][f"https://dutygraph.example/id/document/{FIRST}"]
    reading = two_documents.annotations / f"{SECOND}.yaml"
    data = yaml.safe_load(reading.read_text("utf-8"))
    data["responsibilities"]["notes"][1]["bodies"].append("no-such-ministry")
    reading.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    result = run_cli(
        "build",
        "--output",
        str(output),
        "--sources",
        str(two_documents.sources),
        "--annotations",
        str(two_documents.annotations),
        "--register",
        str(two_documents.register),
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    # not a terminal: a line per document, the good one built all the same
    assert f"built {FIRST} ({triples} triples, " in result.stderr
    assert f"FAILED {SECOND}: " in result.stderr
    assert "1 of 2 document(s) failed; nothing was written" in result.stderr
    assert (
        f"{SECOND}.yaml: responsibilities.notes[1] (article 2): bodies: unknown body 'no-such-ministry'"
        in result.stderr
    )
    assert digests(output) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "annotations",
        "out",
        "registry",
        "sources",
    ]  # no staging


def test_every_failing_document_is_reported(two_documents: BuildInputs, tmp_path: Path) -> None:
    (two_documents.annotations / f"{FIRST}.yaml").write_text("duties: [\n", "utf-8")
    meta = two_documents.sources / f"{SECOND}.meta.yaml"
    meta.write_text(meta.read_text("utf-8").replace("国发〔2018〕39号", "国发〔2018〕93号"), "utf-8")
    result = build_with(two_documents, tmp_path / "out")
    assert result.returncode == 1
    assert "2 of 2 document(s) failed" in result.stderr
    assert f"{FIRST}.yaml: (file): not valid YAML" in result.stderr
    assert f"{SECOND}.meta.yaml: header.number: '国发〔2018〕93号' is not the header" in result.stderr
    assert not (tmp_path / "out").exists()


def test_progress_is_a_bar_on_a_terminal_and_a_line_per_document_otherwise() -> None:
    built = DocumentOutput("b", "key", b"", ["line\n"] * 3, "", {}, seconds=1.25)
    events = [Reused("a"), built, DocumentFailure("c", "c.yaml: duties[0] (a01-1): quote not found")]
    lines, bar = io.StringIO(), io.StringIO()
    for stream, terminal in ((lines, False), (bar, True)):
        progress = BuildProgress(stream, terminal=terminal)
        progress.planned(3, 2)
        progress.working(["b", "c"])
        for event in events:
            progress.finished(event)
        progress.close()
    assert lines.getvalue().splitlines()[:4] == [
        "3 document(s), 2 to build",
        "reused a",
        "built b (3 triples, 1.2 s)",
        "FAILED c: c.yaml: duties[0] (a01-1): quote not found",
    ]
    assert "\r" not in lines.getvalue()
    drawn = bar.getvalue()
    assert "\r[------------------------] 0/3 building b, c" in drawn
    assert "\r[################--------] 2/3 building b, c" in drawn
    assert "FAILED c: c.yaml: duties[0] (a01-1): quote not found\n" in drawn  # never only in the bar
    assert "reused a" not in drawn and drawn.endswith("1 built, 1 reused, 1 failed in 0.0 s\n")
    quiet = io.StringIO()
    progress = BuildProgress(quiet, quiet=True, terminal=True)
    progress.planned(1, 1)
    progress.finished(built)
    progress.close()
    assert quiet.getvalue() == ""
