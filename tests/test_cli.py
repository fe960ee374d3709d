"""The command line as a user meets it: help, text, stats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dutygraph.graph.loaded import LoadedGraph

from .test_build import run_cli

COMMANDS = ["build", "validate", "export", "text", "stats"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str) -> None:
    result = run_cli(command, "--help")
    assert result.returncode == 0
    assert "usage: dutygraph" in result.stdout


def test_text_prints_the_cleaned_text_the_offsets_index(
    built_dir: Path, loaded: LoadedGraph, text: str
) -> None:
    named = run_cli("text", "party-talent-work-opinion", "--no-newline", "--data", str(built_dir))
    assert named.returncode == 0
    assert named.stdout == text
    assert "党管人才原则，" in named.stdout
    documents = loaded.manifest["documents"]
    assert set(documents) == {"party-talent-work-opinion", "employment-promotion-opinion-2018"}
    for doc in documents:
        result = run_cli("text", doc, "--no-newline", "--data", str(built_dir))
        assert result.returncode == 0 and result.stdout == loaded.texts[doc], doc
    # without one, a folder of several documents asks which, and --list names them
    ambiguous = run_cli("text", "--data", str(built_dir))
    assert ambiguous.returncode == 1 and ambiguous.stdout == ""
    assert "which document? give one of: " + ", ".join(documents) in ambiguous.stderr
    listed = run_cli("text", "--list", "--data", str(built_dir))
    assert listed.returncode == 0 and listed.stdout.splitlines() == documents


def test_text_of_an_unknown_document(built_dir: Path) -> None:
    result = run_cli("text", "no-such-doc", "--data", str(built_dir))
    assert result.returncode == 1
    assert "unknown document 'no-such-doc'" in result.stderr
    assert (
        "party-talent-work-opinion" in result.stderr and "employment-promotion-opinion-2018" in result.stderr
    )


def test_stats_counts_by_class_modality_and_article(built_dir: Path) -> None:
    result = run_cli("stats", "--json", "--data", str(built_dir))
    data = json.loads(result.stdout)
    assert set(data["modality"]) == {"obligation", "permission", "encouragement"}
    assert sum(data["modality"].values()) == data["classes"]["provisions (dg:Provision)"]
    by_document = data["by document"]
    assert list(by_document) == data["documents"]
    assert sum(d["provisions"] for d in by_document.values()) == sum(data["modality"].values())
    # articles counted within their own document: the first has articles 5 to 22
    assert set(by_document["party-talent-work-opinion"]["by article"]) >= {str(n) for n in range(5, 23)}
    for counts in by_document.values():
        assert sum(counts["by article"].values()) == counts["provisions"] > 0
        assert sum(counts["modality"].values()) == counts["provisions"]
    table = run_cli("stats", "--data", str(built_dir)).stdout
    assert "provisions by modality" in table and "posts" in table
    for doc, counts in by_document.items():
        assert f"{doc}: {counts['provisions']} provisions (" in table
