"""The command line as a user meets it: help, text, stats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .test_build import run_cli

COMMANDS = ["build", "validate", "export", "text", "stats"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str) -> None:
    result = run_cli(command, "--help")
    assert result.returncode == 0
    assert "usage: dutygraph" in result.stdout


def test_text_prints_the_cleaned_text_the_offsets_index(built_dir: Path, text: str) -> None:
    result = run_cli("text", "--no-newline", "--data", str(built_dir))
    assert result.returncode == 0
    assert result.stdout == text
    assert "党管人才原则，" in result.stdout


def test_text_of_an_unknown_document(built_dir: Path) -> None:
    result = run_cli("text", "no-such-doc", "--data", str(built_dir))
    assert result.returncode == 1
    assert "unknown document 'no-such-doc'" in result.stderr


def test_stats_counts_by_class_modality_and_article(built_dir: Path) -> None:
    result = run_cli("stats", "--json", "--data", str(built_dir))
    data = json.loads(result.stdout)
    assert set(data["modality"]) == {"obligation", "permission", "encouragement"}
    assert sum(data["modality"].values()) == data["classes"]["provisions (dg:Provision)"]
    assert set(data["by article"]) >= {str(n) for n in range(5, 23)}
    table = run_cli("stats", "--data", str(built_dir)).stdout
    assert "provisions by modality" in table and "posts" in table
