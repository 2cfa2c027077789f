"""Cell text without openpyxl: the ledgers print the same text, and a run without a workbook does not
load openpyxl (a qgis_process run pays ~0.2 s for it)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE as OPENPYXL_ILLEGAL

from core.cells import ILLEGAL_CHARACTERS_RE, clean_text

ROOT = Path(__file__).resolve().parents[2]


def test_the_same_characters_are_removed_as_openpyxl_refuses():
    every = "".join(chr(c) for c in range(0x80))
    assert ILLEGAL_CHARACTERS_RE.sub("", every) == OPENPYXL_ILLEGAL.sub("", every)
    assert clean_text("甲\x01乙\t丙") == "甲乙\t丙"
    assert clean_text(12.0) == "12" and clean_text(float("nan")) == "" and clean_text(None) == ""


def test_the_ledgers_and_the_jobs_load_without_openpyxl():
    code = ("import sys; import core.packages.compute, core.packages.ledger, core.compliance.ledger, core.printed; "
            "print('openpyxl' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
