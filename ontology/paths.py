"""Where the package keeps its inputs and its packaged build (light: no RDF imports)."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_BUILD_DIR = PACKAGE_DIR / "built"
