"""规划实施监测指标 on a hand-made county whose indicator values and statuses are known by hand.

A 水田 (KCXS 0.1) | B 农村宅基地 (CZCSXM 203) | C 城镇住宅 (201) | D 林地, 1 ha each in a row.
永久基本农田 covers A; 城镇开发边界 covers C and half of B; no 生态保护红线.
"""
from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
import shapely

from core.monitoring import MonitoringDataError
from core.monitoring.indicators import (
    IndicatorInput,
    compute_indicators,
    load_indicators,
    load_status_defaults,
    load_targets,
)
from core.monitoring.ledger import indicator_rows


def row_of(n):
    return [shapely.box(x * 100.0, 0, (x + 1) * 100.0, 100.0) for x in range(n)]


def current(codes=("0101", "0702", "0701", "0301"), kcxs=(0.1, 0, 0, 0)):
    return IndicatorInput("现状", row_of(4), list(codes), "sandiao", np.full(4, 10000.0), np.array(kcxs, dtype=float),
                          ["", "203", "201", ""])


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    targets = tmp_path_factory.mktemp("t") / "targets.csv"
    targets.write_text("indicator,target,unit,attribute,warn\n耕地保有量,1.0,公顷,约束性,5\nA05,2.1,公顷,约束性,\n"
                       "城乡建设用地规模,3,公顷,约束性,\n人均城镇建设用地面积,90,平方米/人,预期性,\n", encoding="utf-8")
    inds = load_indicators()
    res = compute_indicators(current(), inds, controls={"pbf": [row_of(1)[0]], "udb": [shapely.box(150, 0, 300, 100)]},
                             population={"城镇常住人口": 100}, previous=current(kcxs=(0, 0, 0, 0)))
    rows = indicator_rows(res, load_targets(targets, inds), load_status_defaults())
    return {r["name"]: r for r in rows}


def test_values_known_by_hand(table):
    assert table["耕地保有量"]["value"] == Decimal("0.9000")          # net of 田坎
    assert table["永久基本农田保护面积"]["value"] == Decimal("1.0000")
    assert table["建设用地总规模"]["value"] == Decimal("2.0000")
    assert table["城乡建设用地规模"]["value"] == Decimal("2.0000")
    assert table["城镇开发边界内城乡建设用地比例"]["value"] == Decimal("75.00")   # C whole, half of B
    assert table["永久基本农田内实际耕地面积"]["value"] == Decimal("0.9000")
    assert table["林地保有量"]["value"] == Decimal("1.0000")
    assert table["人均城镇建设用地面积"]["value"] == Decimal("100.00")     # C: 10 000 m² for 100 people


def test_status_against_the_targets(table):
    assert table["耕地保有量"]["status"] == "未达标"     # 10 % below the target, beyond its 5 % warning band
    assert table["建设用地总规模"]["status"] == "预警"   # 2.0 / 2.1 = 0.95: within 0.9–1 of the ceiling
    assert table["城乡建设用地规模"]["status"] == "达标"
    assert table["人均城镇建设用地面积"]["status"] == "未达标"   # 100 m²/人 over a ceiling of 90
    assert table["生态保护红线面积"]["status"] == "无法计算" and "未提供生态保护红线图层" in table["生态保护红线面积"]["rule"]
    assert table["湿地面积"]["status"] == "无目标"


def test_change_since_the_previous_vintage(table):
    assert table["耕地保有量"]["previous"] == Decimal("1.0000")
    assert table["耕地保有量"]["change"] == Decimal("-0.1000")


def test_a_target_for_an_unknown_indicator_is_refused(tmp_path):
    bad = tmp_path / "targets.csv"
    bad.write_text("indicator,target\n耕地面积,100\n", encoding="utf-8")
    with pytest.raises(MonitoringDataError, match="第2行 indicator 列：“耕地面积” 不在指标定义表中"):
        load_targets(bad, load_indicators())


def test_a_formula_with_an_unknown_key_is_refused(tmp_path):
    bad = tmp_path / "ind.csv"
    bad.write_text("indicator_id,name,unit,direction,formula,evidence\nX1,某指标,公顷,下限,area klass=01,R\n", encoding="utf-8")
    with pytest.raises(MonitoringDataError, match="“klass=01” 不是 键=值"):
        load_indicators(bad)
