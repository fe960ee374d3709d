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
    # without one, the first document of the build
    default = run_cli("text", "--no-newline", "--data", str(built_dir))
    assert default.returncode == 0 and default.stdout == loaded.texts[documents[0]]


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
    assert set(data["by article"]) >= {str(n) for n in range(5, 23)}
    table = run_cli("stats", "--data", str(built_dir)).stdout
    assert "provisions by modality" in table and "posts" in table
