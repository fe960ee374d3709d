"""`dutygraph ingest` as a researcher meets it: a folder of texts nobody has annotated in,
a data folder out that every other command takes, each bad file failing alone."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from dutygraph.ingest.intake import IngestResult, Inputs, collect, plan, slug_of

from .test_build import run_cli

# the writer's own texts, in the genre's two commonest shapes
NOTICE = """某省人民政府关于加强农村饮水安全工作的通知

各市、县人民政府，省政府各部门：

为保障农村居民饮水安全，现就有关事项通知如下。

一、各市、县人民政府应当加强农村饮水工程建设。

二、水利部门负责农村饮水工程的日常监督。卫生健康部门可以组织水质抽检。

三、任何单位和个人不得破坏饮水工程设施。鼓励社会资本参与饮水工程运营。

某省人民政府
2021年3月4日
"""
REGULATION = """# 某市公园管理条例

<!-- INFO END -->

## 第一章 总则

第一条 为了加强公园管理，制定本条例。

第二条 市人民政府园林主管部门负责全市公园的监督管理工作。

区人民政府应当将公园建设纳入本区国民经济和社会发展计划。

第三条 禁止在公园内损毁树木。游客可以对公园管理提出意见。
"""


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, object]:
    folder = tmp_path_factory.mktemp("texts")
    (folder / "饮水安全通知.txt").write_text(NOTICE, "utf-8")
    (folder / "nested").mkdir()
    (folder / "nested" / "park-regulation.md").write_text(REGULATION, "utf-8")
    (folder / "latin1.txt").write_bytes("条例".encode("gb18030"))
    (folder / "empty.txt").write_text("  \n", "utf-8")
    (folder / "README.md").write_text("# about this folder\n", "utf-8")
    output = tmp_path_factory.mktemp("data") / "corpus"
    result = run_cli("ingest", str(folder), "--output", str(output))
    return folder, output, result


def test_every_file_is_ingested_or_fails_alone_naming_it(ingested) -> None:
    _, output, result = ingested
    assert result.returncode == 1, result.stderr  # some failed
    failed = [line for line in result.stderr.splitlines() if line.startswith("failed ")]
    assert len(failed) == 2, result.stderr
    assert any("latin1.txt" in line and "not UTF-8" in line for line in failed)
    assert any("empty.txt" in line and "empty" in line for line in failed)
    assert "README.md" not in result.stderr  # a folder's own documentation is no document
    manifest = json.loads((output / "manifest.json").read_text("utf-8"))
    assert slug_of("饮水安全通知") in manifest["documents"]
    assert "park-regulation" in manifest["documents"]
    # the packaged curated documents are there too
    assert "party-talent-work-opinion" in manifest["documents"]
    assert "ingested 2, skipped 0, failed 2" in result.stdout


def test_the_data_folder_is_valid_and_served_by_every_command(ingested) -> None:
    _, output, _ = ingested
    assert run_cli("validate", "--data", str(output)).returncode == 0
    listed = run_cli("text", "--list", "--data", str(output)).stdout.splitlines()
    assert "park-regulation" in listed
    text = run_cli("text", "park-regulation", "--no-newline", "--data", str(output))
    assert "第二条 市人民政府园林主管部门负责" in text.stdout
    exported = run_cli("export", "--format", "csv", "--document", "park-regulation", "--data", str(output))
    rows = list(csv.DictReader(io.StringIO(exported.stdout.lstrip("\ufeff"))))
    assert rows, exported.stderr
    assert {row["reading"] for row in rows} == {"draft"}
    for row in rows:  # every drafted provision is exactly sourced
        assert text.stdout[int(row["start"]) : int(row["end"])] == row["quote_zh"]
        assert 0 <= float(row["confidence"]) <= 1
    curated = run_cli(
        "export", "--format", "csv", "--document", "party-talent-work-opinion", "--data", str(output)
    )
    assert {row["reading"] for row in csv.DictReader(io.StringIO(curated.stdout.lstrip("\ufeff")))} == {
        "curated"
    }


def test_the_drafts_find_the_genres_modalities(ingested) -> None:
    _, output, _ = ingested
    exported = run_cli("export", "--format", "csv", "--data", str(output))
    rows = [
        r for r in csv.DictReader(io.StringIO(exported.stdout.lstrip("\ufeff"))) if r["reading"] == "draft"
    ]
    modalities = {(r["document"], r["modality"]) for r in rows}
    notice = slug_of("饮水安全通知")
    for modality in ("obligation", "permission", "prohibition", "encouragement"):
        assert (notice, modality) in modalities, modality
    assert ("park-regulation", "prohibition") in modalities
    assert ("park-regulation", "permission") in modalities


def test_ingesting_again_skips_what_is_there_and_does_no_work(ingested) -> None:
    folder, output, _ = ingested
    before = (output / "dataset.nq").stat().st_mtime_ns
    again = run_cli("ingest", str(folder / "nested"), "--output", str(output))
    assert again.returncode == 0, again.stderr
    assert "already ingested as park-regulation" in again.stderr
    assert "ingested 0, skipped 1, failed 0" in again.stdout
    assert (output / "dataset.nq").stat().st_mtime_ns == before  # nothing rebuilt or written


def test_a_changed_text_is_drafted_again_under_its_id_and_only_it_is_rebuilt(
    ingested, tmp_path: Path
) -> None:
    folder, output, _ = ingested
    texts, data = tmp_path / "texts", tmp_path / "data"
    shutil.copytree(folder / "nested", texts)
    shutil.copytree(output, data)
    changed = texts / "park-regulation.md"
    changed.write_text(REGULATION + "\n第四条 公园管理机构应当公布开放时间。\n", "utf-8")
    again = run_cli("ingest", str(texts), "--output", str(data))
    assert again.returncode == 0, again.stderr
    assert "ingested 1, skipped 0, failed 0" in again.stdout
    assert "built park-regulation" in again.stderr
    assert "reused party-talent-work-opinion" in again.stderr  # the others are not rebuilt
    manifest = json.loads((data / "manifest.json").read_text("utf-8"))
    assert [d for d in manifest["documents"] if d.startswith("park-regulation")] == ["park-regulation"]
    text = run_cli("text", "park-regulation", "--data", str(data)).stdout
    assert "第四条 公园管理机构应当公布开放时间。" in text


def test_a_reviewed_reading_is_not_drafted_over(ingested, tmp_path: Path) -> None:
    _, output, _ = ingested
    data = tmp_path / "data"
    shutil.copytree(output, data)
    inputs = Inputs(data)
    reading = inputs.annotations / "park-regulation.yaml"
    reading.write_text(reading.read_text("utf-8").replace("reading: draft", "reading: curated"), "utf-8")
    changed = tmp_path / "park-regulation.md"
    changed.write_text(REGULATION + "\n第四条 公园管理机构应当公布开放时间。\n", "utf-8")
    result = IngestResult()
    assert plan(collect([changed]), inputs, result, None, replace=False) == []
    assert "was reviewed" in result.failed[0].reason and "--replace" in result.failed[0].reason
    assert plan(collect([changed]), inputs, IngestResult(), None, replace=True) == [
        (changed, "park-regulation")
    ]


def test_id_and_title_are_for_one_file(ingested, tmp_path: Path) -> None:
    folder, _, _ = ingested
    output = tmp_path / "one"
    many = run_cli("ingest", str(folder), "--id", "x", "--output", str(output))
    assert many.returncode == 1 and "single file" in many.stderr
    missing = run_cli("ingest", str(folder / "nope.txt"), "--output", str(output))
    assert missing.returncode == 1 and "no such file or folder" in missing.stderr


def test_collect_and_slugs(tmp_path: Path) -> None:
    (tmp_path / "b.md").write_text("x", "utf-8")
    (tmp_path / "a.txt").write_text("x", "utf-8")
    (tmp_path / "PROVENANCE.md").write_text("x", "utf-8")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF")
    assert [(item.path.name, item.origin) for item in collect([tmp_path])] == [
        ("a.txt", "a.txt"),
        ("b.md", "b.md"),
    ]
    assert slug_of("专利法实施细则(2010-01-09)") == "zhuan-li-fa-shi-shi-xi-ze-2010-01-09"
    assert slug_of("cujin-jiuye_guofa-2018-39") == "cujin-jiuye-guofa-2018-39"
