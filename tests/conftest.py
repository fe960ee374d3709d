"""Shared fixtures: one fresh build of the real inputs per test session."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from dutygraph.graph.loaded import LoadedGraph, load
from dutygraph.ontology.build import PACKAGE_DIR, BuildInputs, build

from .servers import running_server

SOURCE = PACKAGE_DIR / "sources" / "party-talent-work-opinion.txt"
READING = PACKAGE_DIR / "annotations" / "party-talent-work-opinion.yaml"


@pytest.fixture(scope="session")
def served() -> Iterator[str]:
    """One `dutygraph serve` with the default options, shared by every test module that only
    asks it questions (a server of their own only for tests that need other options, or
    that read its log or kill its workers)."""
    with running_server() as base:
        yield base


@pytest.fixture(scope="session")
def built_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("build") / "graph"
    build(output)
    return output


@pytest.fixture(scope="session")
def loaded(built_dir: Path) -> LoadedGraph:
    return load(built_dir)


@pytest.fixture(scope="session")
def text(loaded: LoadedGraph) -> str:
    return loaded.texts["party-talent-work-opinion"]


@pytest.fixture
def inputs_copy(tmp_path: Path) -> BuildInputs:
    """A private copy of every build input, for tests that break one."""
    sources = shutil.copytree(PACKAGE_DIR / "sources", tmp_path / "sources")
    annotations = shutil.copytree(PACKAGE_DIR / "annotations", tmp_path / "annotations")
    register = shutil.copytree(PACKAGE_DIR / "registry", tmp_path / "registry") / "agents.yaml"
    return BuildInputs(sources=sources, annotations=annotations, register=register)
