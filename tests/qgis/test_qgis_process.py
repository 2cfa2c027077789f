"""The headless path technicians use: qgis_process with the plugin enabled."""
from __future__ import annotations

from pathlib import Path

import pytest

from tools.qgis_process import QgisProcess

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def qp():
    proc = QgisProcess()
    yield proc
    proc.close()


def test_plugin_enables_and_lists_algorithms(qp):
    out = qp.enable_plugin()
    assert out.returncode == 0, out.stderr
    listing = qp.call(["list"])
    assert listing.returncode == 0
    assert "guotukit:convertlandusecodes" in listing.stdout


def test_run_json_on_sample_county(qp, tmp_path):
    dest = tmp_path / "converted.gpkg"
    summary = tmp_path / "summary.csv"
    gpkg = ROOT / "data" / "sample" / "county.gpkg"
    data = qp.run(
        "guotukit:convertlandusecodes",
        {
            "INPUT": f"{gpkg}|layername=DLTB",
            "CODE_FIELD": "DLBM",
            "SOURCE_SYSTEM": "0",  # qgis_process passes numbers as strings
            "AREA_BASIS": "2",
            "AREA_FIELD": "TBMJ",
            "OUTPUT": str(dest),
            "SUMMARY": str(summary),
        },
    )
    res = data["results"]
    assert dest.exists() and summary.exists()
    assert int(res["FEATURE_COUNT"]) > 1000
    assert int(res["UNKNOWN_COUNT"]) == 0
    text = summary.read_text(encoding="utf-8")
    assert "0101" in text and "水田" in text  # codes stay text with their leading zero


def test_bad_field_fails_with_a_sentence(qp):
    gpkg = ROOT / "data" / "sample" / "county.gpkg"
    with pytest.raises(RuntimeError) as err:
        qp.run(
            "guotukit:convertlandusecodes",
            {"INPUT": f"{gpkg}|layername=DLTB", "CODE_FIELD": "NOPE", "OUTPUT": "TEMPORARY_OUTPUT"},
        )
    assert "NOPE" in str(err.value)
    assert "Traceback" not in str(err.value)
