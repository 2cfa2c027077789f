"""The README's "what GuotuKit does with bad data" table is the input-gate matrix's own data."""
from pathlib import Path

from tools.gate_table import render

ROOT = Path(__file__).resolve().parents[2]


def test_readme_table_is_rendered_from_the_matrix():
    assert render() in (ROOT / "README.md").read_text(encoding="utf-8"), "run: python -m tools.gate_table --write"
