"""报批套合分析 (guotukit:surveyfit): a project's 勘测定界 parcels against the latest 变更调查 — area by 农用地 /
耕地 / 建设用地 / 未利用地 on both sides, the difference, and whether it is within the tolerance (monitoring.md
§5: 1 % [S M9], the denominator and the 总面积-or-各地类 combination are options because the source is ambiguous).

The 变更调查 side: project ∩ DLTB pieces, each with its DLTB parcel's area on the chosen basis in proportion to
its planar share; 耕地 net of 田坎 (KCXS) and the 田坎 counted in 农用地 (三调 1203); 三大类 from the
classification table.  The 勘测定界 side: the planner's declared figures (the 勘测定界表), the 总面积 defaulting
to the planar (coordinate) area of the project polygons.  Exact m² here; ``ledger.fit_rows`` rounds and judges.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np
import shapely

from ..overlay import ControlLayer, overlay
from ..rounding import M2_PER_UNIT
from .change import ChangeGroups, MonitoringDataError, Vintage, _class_info, _codes_in, _group_masks, _rows

ITEMS = ("总面积", "农用地", "其中：耕地", "水田", "水浇地", "旱地", "建设用地", "未利用地")
ITEM_ALIASES = {"耕地": "其中：耕地", "总面积": "总面积", "农用地": "农用地", "建设用地": "建设用地", "未利用地": "未利用地",
                "水田": "水田", "水浇地": "水浇地", "旱地": "旱地", "其中：耕地": "其中：耕地"}
UNITS = {"公顷": M2_PER_UNIT["ha"], "平方米": M2_PER_UNIT["m2"], "亩": M2_PER_UNIT["mu"], "ha": M2_PER_UNIT["ha"], "m2": M2_PER_UNIT["m2"]}
PADDY = {"水田": "0101", "水浇地": "0102", "旱地": "0103"}


@dataclass
class FitResult:
    fitted: Dict[str, float]         # 变更调查套合面积 per item, m²
    planar: Dict[str, float]         # the same on the pieces' planar area (to explain a systematic difference)
    project_planar_m2: float         # planar (coordinate) area of the project polygons
    uncovered_m2: float              # project land no DLTB parcel covers
    pieces: int
    small_pieces: int                # pieces below 1 m² (counted, listed in the log)
    notes: List[str] = field(default_factory=list)


def fit_project(project_geoms: Sequence, dltb: Vintage, *, groups: Optional[ChangeGroups] = None,
                progress: Optional[Callable[[float], None]] = None,
                cancelled: Optional[Callable[[], bool]] = None) -> FitResult:
    groups = groups or ChangeGroups.load()
    notes: List[str] = []
    system = dltb.system if dltb.system in ("sandiao", "ydyh2023") else "ydyh2023"
    codes, _raw = _codes_in(dltb, system, notes)
    pg = np.asarray(project_geoms, dtype=object)
    present = ~(shapely.is_missing(pg) | shapely.is_empty(pg))
    # overlapping project parcels would count their common land twice: the project is its union
    proj = shapely.union_all(pg[present]) if present.any() else None
    proj_planar = float(shapely.area(proj)) if proj is not None else 0.0
    layer = ControlLayer(np.asarray(dltb.geoms, dtype=object), "dltb", cancelled=cancelled, find_overlaps=False)
    res = overlay(np.array([proj], dtype=object), layer, sliver_tolerance=0.0, want_geometry=False,
                  progress=progress, cancelled=cancelled)
    p = res.pieces
    j = p["control"].to_numpy(dtype=np.int64)
    planar = p["area"].to_numpy(dtype=float)
    gdl = np.asarray(dltb.geoms, dtype=object)
    parcel_planar = shapely.area(gdl[j]) if len(j) else np.empty(0)
    area = np.asarray(dltb.area_m2, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.where(parcel_planar > 0, planar * area[j] / np.where(parcel_planar > 0, parcel_planar, 1.0), 0.0)
    k = np.zeros(len(gdl)) if dltb.kcxs is None else np.clip(np.nan_to_num(np.asarray(dltb.kcxs, dtype=float)), 0, 1)
    kj = k[j]
    c = codes[j]
    _l1, _nm, three = _class_info(system, c)
    masks = _group_masks(groups, system, c, three)
    crop = masks.get("耕地", np.zeros(len(c), dtype=bool))
    fitted: Dict[str, float] = {}
    flat: Dict[str, float] = {}
    net = g * (1 - kj)
    tk = g * kj
    for item, weights, flat_w in (("总面积", g, planar),):
        fitted[item], flat[item] = float(weights.sum()), float(flat_w.sum())
    # 田坎 of a parcel is 农用地 (三调 1203) whatever the parcel's class
    fitted["农用地"] = float(net[three == "农用地"].sum() + tk.sum())
    flat["农用地"] = float((planar * (1 - kj))[three == "农用地"].sum() + (planar * kj).sum())
    fitted["其中：耕地"] = float(net[crop].sum())
    flat["其中：耕地"] = float((planar * (1 - kj))[crop].sum())
    for item, code in PADDY.items():
        m = np.array([bool(x) and x.startswith(code) for x in c], dtype=bool)
        fitted[item], flat[item] = float(net[m].sum()), float((planar * (1 - kj))[m].sum())
    for item in ("建设用地", "未利用地"):
        m = three == item
        fitted[item], flat[item] = float(net[m].sum()), float((planar * (1 - kj))[m].sum())
    other = ~np.isin(three, ("农用地", "建设用地", "未利用地"))
    if other.any():
        notes.append(f"{int(other.sum())} 个套合碎块的地类不属于三大类（地类未知或海洋），面积 {g[other].sum():.2f} 平方米：计入总面积，不计入分类。")
    uncovered = max(0.0, proj_planar - float(planar.sum()))
    if uncovered > 0.01:
        notes.append(f"勘测定界范围内有 {uncovered:.2f} 平方米（平面）没有变更调查图斑覆盖：不计入套合面积，请核对两者范围。")
    small = int((planar < 1.0).sum())
    if small:
        notes.append(f"{small} 个套合碎块小于 1 平方米（界线压盖产生），已计入各类面积。")
    return FitResult(fitted, flat, proj_planar, uncovered, len(p), small, notes)


def load_declared(path) -> Dict[str, float]:
    """The 勘测定界表: rows item (总面积/农用地/耕地/水田/水浇地/旱地/建设用地/未利用地), area, unit (公顷/平方米/亩;
    default 公顷) → {item: m²}."""
    path = Path(path)
    out: Dict[str, float] = {}
    for line, row in _rows(path, ("勘测定界面积表", "declared area table"), ("item", "area")):
        where = f"{path.name} 第{line}行"
        item = ITEM_ALIASES.get(row["item"].strip())
        if item is None:
            raise MonitoringDataError(f"{where} item 列：“{row['item']}” 应为 {' / '.join(x for x in ITEMS)} 之一 / "
                                      f"{path.name} line {line}, column item: '{row['item']}' is not one of the table's rows")
        unit = (row.get("unit") or "公顷").strip() or "公顷"
        if unit not in UNITS:
            raise MonitoringDataError(f"{where} unit 列：“{unit}” 应为 公顷 / 平方米 / 亩 / {path.name} line {line}: unit must be 公顷, 平方米 or 亩")
        text = row["area"].strip().replace(",", "")
        try:
            value = Decimal(text)
        except Exception:  # noqa: BLE001 - decimal.InvalidOperation and friends
            raise MonitoringDataError(f"{where} area 列：“{row['area']}” 不是数字 / {path.name} line {line}: area is not a number") from None
        if value < 0:
            raise MonitoringDataError(f"{where} area 列：面积不能为负 / {path.name} line {line}: negative area")
        out[item] = float(value * UNITS[unit])
    return out
