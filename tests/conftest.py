"""Shared fixtures: one fresh build of the real inputs per test session."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from dutygraph.graph.loaded import LoadedGraph, load
from dutygraph.ontology.build import PACKAGE_DIR, BuildInputs, build

from .servers import running_server
from .stores import TEST_STORE_ENV, close_test_stores, store_kind

SOURCE = PACKAGE_DIR / "sources" / "party-talent-work-opinion.txt"
READING = PACKAGE_DIR / "annotations" / "party-talent-work-opinion.yaml"


CACHE_ENV = "DUTYGRAPH_CACHE"  # where `serve --store` keeps its knowledge snapshots


def pytest_configure(config: pytest.Config) -> None:
    store_kind()  # a DUTYGRAPH_TEST_STORE we do not know is a usage error, before any test
    # the servers the tests start keep their snapshots here, not in the user's ~/.cache
    if CACHE_ENV not in os.environ:
        cache = os.environ[CACHE_ENV] = tempfile.mkdtemp(prefix="dutygraph-test-cache-")
        config.add_cleanup(lambda: shutil.rmtree(cache, ignore_errors=True))


def pytest_report_header(config: pytest.Config) -> str:
    if store_kind() == "embedded":
        return f"{TEST_STORE_ENV}: embedded (servers read the built folder: serve --data DIR)"
    return (
        f"{TEST_STORE_ENV}: {store_kind()} (servers read an in-memory Oxigraph server per data "
        "folder, filled by dutygraph push: serve --store URL)"
    )


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    close_test_stores()


@pytest.fixture(scope="session")
def served() -> Iterator[str]:
    """One `dutygraph serve` with the default options, shared by every test module that only
    asks it questions (a server of their own only for tests that need other options, or
    that read its log or kill its workers). From the test store in remote mode (servers.py)."""
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
