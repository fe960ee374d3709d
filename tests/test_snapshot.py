"""The knowledge snapshot: a server's second start reads its records from the file the first
wrote, gets exactly what the store would have given, and never trusts a file that is not
of this data and this code."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from dutygraph.graph import knowledge as knowledge_module
from dutygraph.graph import snapshot
from dutygraph.graph.knowledge import Knowledge, load_knowledge, read_knowledge
from dutygraph.graph.store import EmbeddedStore


@pytest.fixture
def folder(built_dir: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "built"
    shutil.copytree(built_dir, copy, ignore=shutil.ignore_patterns("knowledge-*"))
    return copy


def snapshots(folder: Path) -> list[Path]:
    return sorted((folder / "cache").glob("knowledge-*.msgpack"))


def same_records(a: Knowledge, b: Knowledge) -> None:
    for name in ("ns", "version", "agents", "duties", "relations", "appointments", "mechanisms"):
        assert getattr(a, name) == getattr(b, name), name
    for name in ("concepts", "documents", "texts", "triples", "duty_concepts"):
        assert getattr(a, name) == getattr(b, name), name
    assert dict(a.network.nodes(data=True)) == dict(b.network.nodes(data=True))
    assert sorted(a.network.edges(keys=True, data=True)) == sorted(b.network.edges(keys=True, data=True))


def refuse_to_read(_store) -> Knowledge:
    raise AssertionError("the store was read although a snapshot of its version was there")


def test_the_first_start_keeps_the_records_and_the_second_reads_them(folder: Path, monkeypatch) -> None:
    first = load_knowledge(folder)
    assert len(snapshots(folder)) == 1
    monkeypatch.setattr(knowledge_module, "read_knowledge", refuse_to_read)
    second = load_knowledge(folder)
    same_records(second, first)
    same_records(second, read_knowledge(EmbeddedStore.from_folder(folder)))
    assert second.store is not first.store  # the store is opened anew; only records are kept


def test_a_damaged_snapshot_is_read_anew_with_a_warning(folder: Path, caplog) -> None:
    expected = load_knowledge(folder)
    [path] = snapshots(folder)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with caplog.at_level(logging.WARNING, logger="uvicorn.error"):
        found = load_knowledge(folder)
    assert "unreadable" in caplog.text
    same_records(found, expected)
    assert snapshots(folder) == [path] and path.stat().st_size > 0  # written whole again


def test_other_data_or_other_readers_never_use_an_older_snapshot(folder: Path, monkeypatch) -> None:
    before = load_knowledge(folder)
    assert any("强化" in d.quote_zh for d in before.duties.values())
    [first] = snapshots(folder)
    monkeypatch.setattr(snapshot, "reader_version", lambda: "readers changed")
    load_knowledge(folder)
    [second] = snapshots(folder)
    assert second != first  # a new name: the older file was removed, not reused
    dataset = folder / "dataset.nq"
    dataset.write_bytes(dataset.read_bytes().replace("强化".encode(), "加强".encode()))
    changed = load_knowledge(folder)
    [third] = snapshots(folder)
    assert third not in (first, second) and changed.version != before.version
    assert not any("强化" in d.quote_zh for d in changed.duties.values())


def test_a_folder_it_cannot_write_is_served_without_a_snapshot(folder: Path, monkeypatch, caplog) -> None:
    (folder / "cache").rename(folder / "elsewhere")
    (folder / "cache").write_text("a file where the cache folder would be")
    with caplog.at_level(logging.WARNING, logger="uvicorn.error"):
        found = load_knowledge(folder)
    assert "cannot keep the knowledge snapshot" in caplog.text
    assert found.duties
