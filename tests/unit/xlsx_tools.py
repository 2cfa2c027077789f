"""Helpers the report tests share: LibreOffice conversion (recalculates formulas, renders PDF),
fills and merged ranges of openpyxl cells."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def soffice_convert(src: Path, fmt: str, tmp: Path) -> Path:
    """``src`` converted by LibreOffice to ``fmt`` (xlsx: every formula recalculated; pdf)."""
    # make test installs libreoffice-calc-nogui; without it this check cannot be made, so it fails
    assert SOFFICE, "LibreOffice (soffice) is not installed: apt-get install libreoffice-calc-nogui (make deps does)"
    out = tmp / f"out_{fmt}"
    env = dict(os.environ, HOME=str(tmp))  # a private LibreOffice profile
    proc = subprocess.run([SOFFICE, "--headless", "--convert-to", fmt, "--outdir", str(out), str(src)],
                          capture_output=True, text=True, timeout=180, env=env)
    result = out / (src.stem + "." + fmt)
    assert result.exists(), proc.stdout + proc.stderr
    return result


def fill_rgb(cell) -> str:
    return (cell.fill.start_color.rgb or "")[-6:] if cell.fill and cell.fill.fill_type == "solid" else ""


def merged(ws) -> set:
    return {str(r) for r in ws.merged_cells.ranges}
