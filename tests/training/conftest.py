"""Fixtures for the training tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.training.synthetic import HEADER, synthetic_rows, write_csv


@pytest.fixture
def synthetic_csv(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "grades.csv", [HEADER, *synthetic_rows(60)])
