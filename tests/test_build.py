"""The build: deterministic, validated, sourced; bad input fails clearly and loses nothing."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from rdflib.namespace import RDF

from dutygraph.graph.loaded import LoadedGraph
from dutygraph.ontology.build import DEFAULT_BUILD_DIR, BuildInputs
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


def digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_two_builds_give_identical_bytes(tmp_path: Path, built_dir: Path) -> None:
    # a separate process with another hash seed: no dict or set order leaks into the output
    result = run_cli("build", "--quiet", "--output", str(tmp_path / "again"), seed="12345")
    assert result.returncode == 0, result.stderr
    assert digests(tmp_path / "again") == digests(built_dir)


def test_packaged_build_is_not_stale(built_dir: Path) -> None:
    assert digests(DEFAULT_BUILD_DIR) == digests(built_dir), (
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
    output = tmp_path / "out"
    assert build_with(inputs_copy, output).returncode == 0
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
    import shutil

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
