"""A second survey vintage of the sample county (``data/sample/county_2024.gpkg``, layer DLTB): the 三调 DLTB
of ``county.gpkg`` with the changes a 年度变更调查 records, deterministic for a seed.

* growth at the edge of 城镇开发边界: farmland and other agricultural parcels touching the boundary become
  城镇住宅 / 工业 in the 建制镇 range (CZCSXM 202; most inside the boundary, some just outside: F03);
* scattered new construction inside 永久基本农田: a 40 m × 40 m homestead or shed (CZCSXM 203) carved out of
  cropland parcels (F01), the rest of the parcel unchanged;
* farmland to orchard (0201) and to ponds (1104): 进出平衡 candidates, some inside 永久基本农田 (F04);
* reclamation: rural homesteads back to 旱地, and orchards restored to 旱地 (耕地流入);
* cropland that stays cropland but is no longer sown with grain (ZZSXDM LS → FLS / WG, rule C14);
* a project's 勘测定界 (layer KCDJ, 400 m × 300 m at the town's edge) for 报批套合分析, with its declared areas in
  ``project_kcdj.csv`` (example figures, not a survey).

Parcels whose class changes get KCXS 0 (the new class has no 田坎 or none is surveyed yet); carved parcels share
TBMJ by planar proportion.  ``python -m tools.sample_vintage [--seed N]`` rewrites the file.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import shapely

from .sample_county import DLTB_FIELDS, _write_gpkg, sandiao_names

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample" / "county.gpkg"
OUT = ROOT / "data" / "sample" / "county_2024.gpkg"
AGRI = ("01", "02", "03", "04")


def _read(gpkg: Path, layer: str, fields):
    from osgeo import ogr

    ds = ogr.Open(str(gpkg))
    lyr = ds.GetLayerByName(layer)
    cols = {f: [] for f in fields}
    wkbs = []
    for feat in lyr:
        for f in fields:
            cols[f].append(feat.GetField(f))
        wkbs.append(bytes(feat.GetGeometryRef().ExportToWkb()))
    return cols, shapely.from_wkb(wkbs)


def make_vintage(sample: Path = SAMPLE, out: Path = OUT, seed: int = 2024) -> dict:
    rng = np.random.default_rng(seed)
    names = [f for f, _t, _w in DLTB_FIELDS]
    cols, geoms = _read(sample, "DLTB", names)
    _, pbf = _read(sample, "YJJBNT", ["BSM"])
    _, udb = _read(sample, "CZKFBJ", ["BSM"])
    code = np.array(cols["DLBM"], dtype=object)
    n = len(code)
    pbf_u, udb_u = shapely.union_all(pbf), shapely.union_all(udb)
    shapely.prepare(pbf_u)
    edge = shapely.buffer(shapely.boundary(udb_u), 150.0)
    shapely.prepare(edge)
    crop = np.isin(code, ("0101", "0102", "0103"))
    agri = np.array([c[:2] in AGRI for c in code])
    from core.overlay import ControlLayer, overlay  # a county's 永农 has 10⁵–10⁶ vertices: the indexed overlay

    res = overlay(geoms, ControlLayer(pbf, "pbf"), sliver_tolerance=0.0, want_geometry=False)
    in_pbf = res.occupied > 0.5 * res.subject_area
    at_edge = shapely.intersects(edge, geoms)
    new_code = code.copy()
    taken = np.zeros(n, dtype=bool)

    def pick(mask, k):
        idx = np.flatnonzero(mask & ~taken)
        chosen = rng.choice(idx, size=min(k, len(idx)), replace=False) if len(idx) else np.empty(0, dtype=int)
        taken[chosen] = True
        return np.sort(chosen)

    growth = pick(agri & at_edge & ~in_pbf, 24)
    new_code[growth] = np.where(rng.random(len(growth)) < 0.7, "0701", "0601")
    orchard = pick(crop & ~at_edge, 30)
    new_code[orchard] = "0201"
    ponds = pick(crop & ~at_edge, 12)
    new_code[ponds] = "1104"
    homesteads = pick(code == "0702", 10)
    new_code[homesteads] = "0103"
    restored = pick(code == "0201", 5)
    new_code[restored] = "0103"
    carve = pick(crop & in_pbf, 12)
    # cropland that stays cropland but is no longer sown with grain (种植属性 LS → FLS / WG): 非粮化 at attribute level
    zz = np.array(["" if v is None else str(v) for v in cols["ZZSXDM"]], dtype=object)
    non_grain = pick(crop & (zz == "LS"), 15)

    sd = sandiao_names()
    attrs = {f: list(v) for f, v in cols.items()}
    out_geoms = list(geoms)
    attrs["ZZSXDM"] = list(attrs["ZZSXDM"])
    for k, i in enumerate(non_grain):
        attrs["ZZSXDM"][i] = "WG" if k % 3 == 2 else "FLS"
    # what is built is surveyed inside the 城镇村 range: 建制镇 at the town's edge, 村庄 for a homestead
    czcs = list(attrs["CZCSXM"])
    for i in growth:
        czcs[i] = "202"
    attrs["CZCSXM"] = czcs
    changed = np.flatnonzero(new_code != code)
    for i in changed:
        attrs["DLBM"][i] = str(new_code[i])
        attrs["DLMC"][i] = sd.get(str(new_code[i]), "")
        attrs["KCXS"][i], attrs["KCMJ"][i], attrs["TBDLMJ"][i] = 0.0, 0.0, attrs["TBMJ"][i]
        attrs["KCDLBM"][i] = ""
        attrs["GDLX"][i], attrs["GDPDJB"][i], attrs["ZZSXDM"][i] = "", "", ""
    next_bsm = max(int(b) for b in cols["BSM"] if str(b).isdigit()) + 1
    for k, i in enumerate(carve):
        g = geoms[i]
        pt = shapely.point_on_surface(g)
        square = shapely.box(pt.x - 20.0, pt.y - 20.0, pt.x + 20.0, pt.y + 20.0)
        part = shapely.intersection(g, square)
        rest = shapely.difference(g, square)
        share = shapely.area(part) / shapely.area(g)
        row = {f: attrs[f][i] for f in names}
        tbmj = float(attrs["TBMJ"][i])
        out_geoms[i] = rest
        attrs["TBMJ"][i] = round(tbmj * (1 - share), 2)
        attrs["KCMJ"][i] = round(attrs["TBMJ"][i] * float(attrs["KCXS"][i] or 0), 2)
        attrs["TBDLMJ"][i] = round(attrs["TBMJ"][i] - attrs["KCMJ"][i], 2)
        row.update({"BSM": str(next_bsm + k), "DLBM": "0702" if k % 3 else "0601", "TBMJ": round(tbmj * share, 2), "CZCSXM": "203",
                    "KCXS": 0.0, "KCMJ": 0.0, "KCDLBM": "", "GDLX": "", "GDPDJB": "", "ZZSXDM": ""})
        row["DLMC"] = sd.get(row["DLBM"], "")
        row["TBDLMJ"] = row["TBMJ"]
        for f in names:
            attrs[f].append(row[f])
        out_geoms.append(part)
    attrs["SJNF"] = [2024] * len(out_geoms)
    multi = np.array([g if g.geom_type == "MultiPolygon" else shapely.multipolygons([g]) for g in out_geoms], dtype=object)
    # a project's 勘测定界 (报批套合分析): 400 m × 300 m around the first parcel built at the town's edge
    from . import sample_county as sc

    corner = shapely.get_coordinates(geoms[growth[0] if len(growth) else 0])[0]   # where several parcels meet
    c = shapely.Point(corner)
    kcdj = shapely.box(round(c.x) - 200.0, round(c.y) - 150.0, round(c.x) + 200.0, round(c.y) + 150.0)
    sc.LAYER_FIELDS.setdefault("KCDJ", [("XMMC", "str", 60), ("DKBH", "str", 10)])
    sc.LAYER_DESCRIPTIONS.setdefault("KCDJ", "勘测定界范围（合成示例数据）")
    _write_gpkg(out, {"DLTB": (attrs, multi), "KCDJ": ({"XMMC": ["样例县城东安置区建设项目"], "DKBH": ["1"]},
                                                     np.array([shapely.multipolygons([kcdj])], dtype=object))},
                {"GUOTUKIT_SAMPLE_VINTAGE": f"2024 vintage of {sample.name}, seed {seed}"}, order=("DLTB", "KCDJ"))
    return {"path": str(out), "parcels": len(out_geoms), "changed": int(len(changed)), "carved": int(len(carve)),
            "growth": int(len(growth)), "orchard": int(len(orchard)), "ponds": int(len(ponds)),
            "reclaimed": int(len(homesteads)), "restored": int(len(restored)), "non_grain": int(len(non_grain))}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.sample_vintage", description=__doc__.splitlines()[0])
    ap.add_argument("--sample", default=str(SAMPLE))
    ap.add_argument("--out", default=str(OUT))
    ap.add_argument("--seed", type=int, default=2024)
    args = ap.parse_args(argv)
    res = make_vintage(Path(args.sample), Path(args.out), args.seed)
    print(", ".join(f"{k} {v}" for k, v in res.items()))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
