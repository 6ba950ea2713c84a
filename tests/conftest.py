"""Shared test fixtures: where the upstream reference data lives (skip cleanly when absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
REFERENCE_DIR = REPO_ROOT.parent / "shared" / "reference"
FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def reference_dir() -> Path:
    """../shared/reference beside the project root; tests using it skip when it is absent."""
    if not REFERENCE_DIR.is_dir():
        pytest.skip(f"upstream reference data not found at {REFERENCE_DIR} (only present on the dev machine)")
    return REFERENCE_DIR


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES_DIR
