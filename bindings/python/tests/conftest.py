"""Shared fixtures: the repository's root, the conformance cases, and the CLI to compare with."""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
CASES = ROOT / "tests" / "fixtures" / "conformance"


def conformance_cases():
    """Every conformance case folder (v0 and v1), sorted."""
    found = [p for p in CASES.glob("*/args")] + [p for p in CASES.glob("v1/*/args")]
    return sorted(p.parent for p in found)


@pytest.fixture(scope="session")
def cli() -> Path:
    """The `escalate` binary (ESCALATE_BIN, default target/release/escalate)."""
    path = Path(os.environ.get("ESCALATE_BIN", ROOT / "target" / "release" / "escalate")).resolve()
    if not path.exists():
        pytest.fail(f"build the command first (cargo build --release): {path} is missing")
    return path
