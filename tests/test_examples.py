"""Each example runs in fast mode, prints a results table that parses, and saves figures."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*/plot_*.py"))
NUMBER = re.compile(r"^-?\d+(\.\d+)?")


def _tables(stdout: str) -> list[list[dict[str, str]]]:
    """Markdown tables in the output, as lists of {column: cell} rows."""
    tables, block = [], []
    for line in [*stdout.splitlines(), ""]:
        if line.startswith("|"):
            block.append([cell.strip() for cell in line.strip().strip("|").split("|")])
            continue
        if block:
            header, rule, *rows = block
            assert set(rule[0]) <= set(":-"), f"not a markdown table: {block}"
            tables.append([dict(zip(header, row, strict=True)) for row in rows])
            block = []
    return tables


def test_examples_are_found():
    names = {path.parent.name for path in EXAMPLES}
    assert {"mof", "spectra", "model_selection", "conditions"} <= names


@pytest.mark.slow
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_example_runs_and_its_table_parses(example, tmp_path):
    env = {**os.environ, "SKCONTRAST_FAST": "1", "SKCONTRAST_OUTPUT": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, str(example)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    tables = _tables(done.stdout)
    assert tables, f"no results table in the output:\n{done.stdout}"
    first = tables[0]
    assert len(first) >= 2, "a results table compares at least two models"
    metric_cells = [
        cell for row in first for key, cell in row.items() if NUMBER.match(cell) and key
    ]
    assert metric_cells, first
    for row in first:
        for key, cell in row.items():
            match = NUMBER.match(cell)
            if match and any(m in key for m in ("AUC", "accuracy", "F1", "precision", "agreement")):
                assert 0.0 <= float(match.group()) <= 1.0, (key, cell)
    assert list(tmp_path.glob("*.png")), "the example saved no figure"
