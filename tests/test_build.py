"""The build: deterministic, validated, sourced; bad input fails clearly and loses nothing."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from rdflib.namespace import RDF

from dutygraph.build_progress import BuildProgress
from dutygraph.graph.loaded import LoadedGraph
from dutygraph.ontology import build as build_module
from dutygraph.ontology.build import (
    DEFAULT_BUILD_DIR,
    PACKAGE_DIR,
    BuildInputs,
    DocumentFailure,
    DocumentOutput,
    Reused,
    build,
)
from dutygraph.ontology.namespaces import OA, ORG

READING_NAME = "party-talent-work-opinion.yaml"


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


def test_every_quote_is_the_text_at_its_offsets(loaded: LoadedGraph, text: str) -> None:
    graph = loaded.union
    positions = list(graph.subjects(RDF.type, OA.TextPositionSelector))
    assert len(positions) > 100
    for source in graph.subjects(RDF.type, OA.SpecificResource):
        selectors = list(graph.objects(source, OA.hasSelector))
        exact = next(graph.value(s, OA.exact) for s in selectors if graph.value(s, OA.exact) is not None)
        start = next(graph.value(s, OA.start) for s in selectors if graph.value(s, OA.start) is not None)
        end = next(graph.value(s, OA.end) for s in selectors if graph.value(s, OA.end) is not None)
        assert text[int(start) : int(end)] == str(exact)


def test_every_body_is_an_organization(loaded: LoadedGraph) -> None:
    query = "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a org:Organization }"
    (count,) = next(iter(loaded.union.query(query, initNs={"org": ORG})))
    bodies = yaml.safe_load((BuildInputs().annotations / READING_NAME).read_text("utf-8"))["bodies"]
    assert int(count) == len(bodies)
    subclasses = {ORG.FormalOrganization, ORG.OrganizationalUnit, loaded.ns.dg.SocialGroup}
    for cls in subclasses:
        for body in loaded.union.subjects(RDF.type, cls):
            assert (body, RDF.type, ORG.Organization) in loaded.union


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
        (lambda data: data["bodies"][0].pop("zh"), "zh: Field required"),
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
def two_documents(tmp_path: Path) -> BuildInputs:
    """The packaged document and the one being curated, side by side in one input folder.

    Each is valid on its own; until the shared register lands they define some of the same
    resources (bodies, actions, duty ids), so their union is not (the build says so in a note)."""
    sources, annotations = tmp_path / "sources", tmp_path / "annotations"
    for folder in (PACKAGE_DIR / "sources", PACKAGE_DIR / "curating" / "sources"):
        shutil.copytree(folder, sources, dirs_exist_ok=True)
    for folder in (PACKAGE_DIR / "annotations", PACKAGE_DIR / "curating" / "annotations"):
        shutil.copytree(folder, annotations, dirs_exist_ok=True)
    return BuildInputs(sources=sources, annotations=annotations)


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
    assert any("defined by more than one document" in note for note in cold.notes)
    # built beside another document, the first is exactly what it is built alone
    assert document_lines(output, FIRST) == document_lines(built_dir, FIRST)
    for name in (f"documents/{FIRST}.ttl", f"texts/{FIRST}.txt"):
        assert (output / name).read_bytes() == (built_dir / name).read_bytes()
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


def test_a_failing_document_does_not_stop_the_others_and_nothing_is_written(
    two_documents: BuildInputs, built_dir: Path, tmp_path: Path
) -> None:
    output = Path(shutil.copytree(built_dir, tmp_path / "out"))  # an earlier build's outputs
    shutil.rmtree(output / "cache")  # but nothing to reuse: the good document is built
    before = digests(output)
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
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    # not a terminal: a line per document, the good one built all the same
    assert f"built {FIRST} (11336 triples, " in result.stderr
    assert f"FAILED {SECOND}: " in result.stderr
    assert "1 of 2 document(s) failed; nothing was written" in result.stderr
    assert (
        f"{SECOND}.yaml: responsibilities.notes[1] (article 2): bodies: unknown body 'no-such-ministry'"
        in result.stderr
    )
    assert digests(output) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["annotations", "out", "sources"]  # no staging


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
