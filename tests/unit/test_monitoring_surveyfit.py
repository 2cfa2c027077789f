"""报批套合分析 on a hand-made project whose fitted areas are known by hand.

DLTB: A 水田 (1 ha, KCXS 0.1) | B 农村宅基地 (1 ha).  The project (勘测定界) is the middle 1 ha: half of each.
"""
from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
import shapely

from core.monitoring import MonitoringDataError, Vintage
from core.monitoring.ledger import fit_rows
from core.monitoring.surveyfit import fit_project, load_declared

DLTB = Vintage("变更调查", [shapely.box(0, 0, 100, 100), shapely.box(100, 0, 200, 100)], ["0101", "0702"], "sandiao",
               np.array([10000.0, 10000.0]), ["A", "B"], kcxs=np.array([0.1, 0.0]))
PROJECT = [shapely.box(50, 0, 150, 100)]


def test_fitted_areas_known_by_hand():
    r = fit_project(PROJECT, DLTB)
    assert r.fitted["总面积"] == pytest.approx(10000.0)
    assert r.fitted["农用地"] == pytest.approx(5000.0)       # 4 500 m² 水田 + its 500 m² 田坎 (1203 is 农用地)
    assert r.fitted["其中：耕地"] == pytest.approx(4500.0)
    assert r.fitted["水田"] == pytest.approx(4500.0)
    assert r.fitted["建设用地"] == pytest.approx(5000.0)
    assert r.project_planar_m2 == pytest.approx(10000.0) and r.uncovered_m2 == pytest.approx(0.0)


def test_differences_and_the_verdict():
    r = fit_project(PROJECT, DLTB)
    declared = {"总面积": 10050.0, "农用地": 5200.0, "其中：耕地": 4500.0, "建设用地": 4850.0, "未利用地": 0.0}
    rows, verdict, text = fit_rows(r, declared)
    by = {x["item"]: x for x in rows}
    assert (by["总面积"]["diff"], by["总面积"]["rate"], by["总面积"]["ok"]) == (Decimal("0.0050"), Decimal("0.50"), "是")
    assert (by["农用地"]["rate"], by["农用地"]["ok"]) == (Decimal("4.00"), "否")
    assert by["建设用地"]["rate"] == Decimal("3.00")
    assert verdict == "通过" and "或各地类面积差异均在 1% 以内" in text        # the source's literal 或
    assert fit_rows(r, declared, combine="and")[1] == "不通过"
    # the other denominator: |0.02| / 0.52 declared = 3.85 %
    assert {x["item"]: x for x in fit_rows(r, declared, denominator="declared")[0]}["农用地"]["rate"] == Decimal("3.85")


def test_without_a_declared_table_the_total_is_the_coordinate_area():
    r = fit_project(PROJECT, DLTB)
    rows, verdict, _ = fit_rows(r, {})
    by = {x["item"]: x for x in rows}
    assert by["总面积"]["declared"] == Decimal("1.0000") and by["总面积"]["ok"] == "是"
    assert by["农用地"]["declared"] is None and by["农用地"]["ok"] is None


def test_a_declared_table_in_mu_and_a_bad_row(tmp_path):
    good = tmp_path / "kcdj.csv"
    good.write_text("item,area,unit\n总面积,15,亩\n耕地,0.45,公顷\n", encoding="utf-8")
    got = load_declared(good)
    assert got["总面积"] == pytest.approx(10000.0) and got["其中：耕地"] == pytest.approx(4500.0)
    bad = tmp_path / "bad.csv"
    bad.write_text("item,area\n园地,1\n", encoding="utf-8")
    with pytest.raises(MonitoringDataError, match="第2行 item 列：“园地”"):
        load_declared(bad)
