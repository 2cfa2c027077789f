"""The compliance check (合规性检查) as one pure function: overlay every control role, break the
conflicts down by current land class (DLTB) when given, apply the rule profile, and return the
frames the Processing algorithm, the dialog and the Excel report all use.

Areas: the overlay measures planar pieces in the working CRS; every piece then gets its subject's
official area (ellipsoidal, planar or attribute basis) in proportion to its share of the subject's
geometry, so the pieces of a subject reconcile exactly with its official area.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np
import pandas as pd
import shapely

from ..overlay import ControlLayer, grouped_union, overlay, polygonal
from ..registry import get_registry
from .rules import ROLE_ZH, STATUS_NOT_CHECKED, STATUS_NOT_OCCUPIED, VERDICT_ZH, RuleProfile, judge

UNCOVERED = ""  # a piece part not covered by any DLTB parcel


@dataclass
class ControlInput:
    role: str
    geoms: Sequence  # shapely, working CRS
    ids: Sequence  # feature id text per geometry
    zones: Optional[Sequence] = None  # zone value per geometry (ZRBHDFQ, GHFQMC) or None
    label: str = ""
    layer: str = ""  # description for the report

    @property
    def role_label(self) -> str:
        return self.label or ROLE_ZH.get(self.role, self.role)


@dataclass
class BaseInput:
    geoms: Sequence
    codes: Sequence  # 三调 DLBM
    ownership: Sequence  # QSXZ
    ids: Sequence  # BSM
    #: the parcels *are* the subjects (the same layer, feature for feature): a conflict piece of subject i
    #: lies in parcel i, so when no two parcels overlap its class is parcel i's — no second overlay
    same_as_subjects: bool = False


@dataclass
class ComplianceResult:
    subjects: pd.DataFrame
    conflicts: pd.DataFrame
    roles: List[dict]
    rows: pd.DataFrame
    warnings: List[str] = field(default_factory=list)

    def verdict_counts(self) -> Dict[str, int]:
        counts = self.subjects["verdict"].value_counts().to_dict()
        return {v: int(counts.get(v, 0)) for v in ("pass", "review", "fail")}


class _Steps:
    """Maps per-phase progress onto 0..1 overall."""

    def __init__(self, progress, n):
        self.progress, self.n, self.i = progress, max(n, 1), 0

    def sub(self):
        i, n, progress = self.i, self.n, self.progress
        self.i += 1
        if progress is None:
            return None
        return lambda f: progress((i + min(max(f, 0.0), 1.0)) / n)


def run_compliance(
    subject_geoms,
    subject_ids: Sequence[str],
    subject_codes: Optional[Sequence],
    subject_system: str,
    official_area: np.ndarray,
    controls: List[ControlInput],
    unchecked_roles: Dict[str, str],
    profile: RuleProfile,
    project_type: str,
    base: Optional[BaseInput] = None,
    sliver_tolerance: float = 1.0,
    want_geometry: bool = True,
    progress: Optional[Callable[[float], None]] = None,
    cancelled: Optional[Callable[[], bool]] = None,
) -> ComplianceResult:
    """``unchecked_roles``: {role: reason} for standard roles with no (or an empty) layer.

    The DLTB layer (``base``) is indexed and checked for overlapping parcels in a background thread
    while the control lines are overlaid: its overlap test releases the GIL, the overlays mostly hold
    it, so on two cores the check costs little of the wall time."""
    if base is None:
        return _run_compliance(subject_geoms, subject_ids, subject_codes, subject_system, official_area, controls,
                               unchecked_roles, profile, project_type, None, None, sliver_tolerance, want_geometry,
                               progress, cancelled)
    with ThreadPoolExecutor(1, thread_name_prefix="guotukit-dltb") as pool:
        # parcels that are the subjects' own geometry objects are prepared later, in this thread
        future = pool.submit(ControlLayer, np.asarray(base.geoms, dtype=object), "base", cancelled=cancelled,
                             prepare=not base.same_as_subjects)
        try:
            return _run_compliance(subject_geoms, subject_ids, subject_codes, subject_system, official_area, controls,
                                   unchecked_roles, profile, project_type, base, future, sliver_tolerance,
                                   want_geometry, progress, cancelled)
        except BaseException:
            future.cancel()
            raise


def _run_compliance(subject_geoms, subject_ids, subject_codes, subject_system, official_area, controls, unchecked_roles,
                    profile, project_type, base, base_future, sliver_tolerance, want_geometry, progress, cancelled):
    subj = np.asarray(subject_geoms, dtype=object)
    n = len(subj)
    ids = [str(x) for x in subject_ids]
    official = np.asarray(official_area, dtype=float)
    planar = np.zeros(n)
    present = ~shapely.is_missing(subj)
    if present.any():
        planar[present] = shapely.area(subj[present])
    ratio = np.divide(official, planar, out=np.zeros(n), where=planar > 0)
    codes = _subject_codes(subject_codes, subject_system, n)
    steps = _Steps(progress, len(controls) + (2 if base is not None else 1))
    warnings: List[str] = []

    occ_frames, piece_frames, roles = [], [], []
    occupied_by_role: Dict[str, np.ndarray] = {}
    for ctl in controls:
        step = steps.sub()
        zones = None if ctl.zones is None else np.array(["" if z is None else str(z).strip() for z in ctl.zones], dtype=object)
        layer = ControlLayer(ctl.geoms, ctl.role, cancelled=cancelled)
        res = overlay(subj, layer, sliver_tolerance=sliver_tolerance, want_geometry=want_geometry,
                      progress=step, cancelled=cancelled)
        pieces = res.pieces.copy()
        pieces["role"] = ctl.role
        pieces["zone"] = zones[pieces["control"].to_numpy()] if zones is not None and len(pieces) else ""
        pieces["position"] = "inside"
        pieces["control_id"] = [str(ctl.ids[c]) for c in pieces["control"]] if len(pieces) else []
        occupied_by_role[ctl.role] = res.occupied
        occ = _zone_occupancy(pieces, res.occupied, ctl.role)
        if ctl.role == "udb":
            out_occ, out_pieces = _outside(subj, planar, res, sliver_tolerance, want_geometry)
            occ = pd.concat([occ, out_occ], ignore_index=True)
            pieces = pd.concat([pieces, out_pieces], ignore_index=True)
        occ_frames.append(occ)
        piece_frames.append(pieces)
        totals = res.totals()
        roles.append({
            "role": ctl.role, "label": ctl.role_label, "checked": True, "layer": ctl.layer,
            "features": layer.n_features, "pieces_after_subdivision": layer.n_pieces,
            "max_vertices": layer.max_vertices_in, "features_overlap": layer.features_overlap,
            "subjects_hit": int((res.occupied > 0).sum()),
            "occupied_m2": float((res.occupied * ratio).sum()), "occupied_planar_m2": float(res.occupied.sum()),
            "sliver_m2": float((res.sliver_area * ratio).sum()), "pieces": int(totals.get("pieces", len(pieces))),
        })
        if layer.features_overlap:
            warnings.append(f"{ctl.role_label}图层内有相互重叠的要素：占用面积已按融合后计算，不重复计。")
    for role, reason in unchecked_roles.items():
        roles.append({"role": role, "label": ROLE_ZH.get(role, role), "checked": False, "layer": reason,
                      "features": 0, "subjects_hit": 0, "occupied_m2": 0.0, "sliver_m2": 0.0, "pieces": 0})

    occupancy = pd.concat(occ_frames, ignore_index=True) if occ_frames else _empty_occupancy()
    occupancy = occupancy[occupancy["area_m2"] > 0].copy()
    occupancy["code"] = [codes[i] for i in occupancy["subject"]]
    roles_checked = {r["role"]: r["checked"] for r in roles}
    rows, verdicts = judge(occupancy, profile, project_type, roles_checked, list(range(n)))

    # subjects table
    subjects = pd.DataFrame({"subject": np.arange(n), "subject_id": ids, "code": codes})
    c23 = get_registry().classification("ydyh2023")
    subjects["code_name"] = [c23.name(c) or "" if c else "" for c in codes]
    subjects["area_m2"] = official
    for r in roles:
        role = r["role"]
        occ = occupied_by_role.get(role, np.zeros(n))
        subjects[f"occ_{role}_m2"] = occ * ratio
        subjects[f"pct_{role}"] = np.divide(occ, planar, out=np.zeros(n), where=planar > 0) * 100.0
    verdicts = verdicts.set_index("subject").reindex(np.arange(n))
    for col in verdicts.columns:
        subjects[col] = verdicts[col].to_numpy()
    for r in roles:
        col = f"status_{r['role']}"
        if col not in subjects.columns:
            subjects[col] = STATUS_NOT_CHECKED if not r["checked"] else STATUS_NOT_OCCUPIED
    subjects["null_geometry"] = ~present
    if (~present).any():  # nothing was checked for an empty geometry: never a pass
        subjects.loc[~present, "verdict"] = "review"
        subjects.loc[~present, "verdict_zh"] = VERDICT_ZH["review"]
        subjects.loc[~present, "reasons"] = ("图形为空、无效或坐标超出坐标系范围，未能检查"
                                             "（empty, invalid or out-of-range geometry: not checked）")

    # conflicts: pieces + rule verdicts (+ base classes)
    pieces = pd.concat(piece_frames, ignore_index=True) if piece_frames else _empty_pieces()
    pieces["area_m2"] = (pieces["subject_share"].to_numpy(dtype=float) * official[pieces["subject"].to_numpy(dtype=int)]
                         if len(pieces) else np.empty(0, dtype=float))
    keys = ["subject", "role", "zone", "position"]
    rule_cols = rows[keys + ["rule_id", "verdict", "message", "legal_basis"]].drop_duplicates(keys)
    pieces = pieces.merge(rule_cols, on=keys, how="left")
    pieces["verdict"] = pieces["verdict"].fillna("")
    pieces.loc[pieces["sliver"], ["rule_id", "verdict", "message"]] = ["", "", "碎片（小于容差，不计入占用面积）"]
    pieces["verdict_zh"] = pieces["verdict"].map(lambda v: VERDICT_ZH.get(v, ""))
    pieces["subject_id"] = [ids[i] for i in pieces["subject"]]
    label = {r["role"]: r["label"] for r in roles}
    pieces["role_label"] = pieces["role"].map(label)
    if base is not None:
        step = steps.sub()
        # one ControlLayer of the DLTB parcels: its overlap test is the layer's overlap check too
        base_layer = base_future.result()
        ov = base_layer.overlap_frame()
        if len(ov):
            warnings.append(f"现状图斑（DLTB）图层内有 {len(ov)} 对图斑相互重叠，重叠面积 {ov['area'].sum():.2f} 平方米（平面量算）："
                            "控制线内地类按重叠图斑的比例分摊，不重复计；请先处理拓扑重叠。")
        if base.same_as_subjects and not base_layer.features_overlap:
            pieces = _classify_by_own_parcel(pieces, base)
        else:
            pieces = _split_by_base(pieces, base, want_geometry, step, cancelled,
                                    min_part_m2=max(sliver_tolerance, 0.005), layer=base_layer)
    else:
        for col in ("base_code", "base_name", "base_group", "base_level1", "ownership", "base_ids"):
            pieces[col] = ""
        pieces["is_paddy"] = False
    # outside-the-boundary parts are only conflicts when a rule says so (not 通过)
    outside_ok = (pieces["position"] == "outside") & (pieces["verdict"] == "pass")
    pieces = pieces[~outside_ok.to_numpy()]
    if want_geometry and len(pieces):  # intersections can carry lines/points on shared edges
        pieces = pieces.copy()
        pieces["geometry"] = polygonal(pieces["geometry"].to_numpy())
    steps.sub()
    if progress is not None:
        progress(1.0)
    return ComplianceResult(subjects=subjects, conflicts=pieces.reset_index(drop=True), roles=roles, rows=rows,
                            warnings=warnings)


def _subject_codes(raw, system: str, n: int) -> List[Optional[str]]:
    if raw is None:
        return [None] * n
    reg = get_registry()
    if system == "ydyh2023":
        cls = reg.classification("ydyh2023")
        out = []
        for v in raw:
            c = cls.normalize(v)
            out.append(c if c and c in cls else None)
        return out
    mapped = reg.crosswalk(system, "ydyh2023").map_many(list(raw))
    return [c if isinstance(c, str) and c else None for c in mapped["target_code"]]


def _zone_occupancy(pieces: pd.DataFrame, occupied: np.ndarray, role: str) -> pd.DataFrame:
    """Occupied area per subject × zone; zones share the dissolved area in proportion to their pieces."""
    real = pieces[~pieces["sliver"]]
    if not len(real):
        return _empty_occupancy()
    g = real.groupby(["subject", "zone"], sort=True)["area"].sum().reset_index()
    per_subject = g.groupby("subject")["area"].transform("sum").to_numpy()
    dissolved = occupied[g["subject"].to_numpy()]
    g["area_m2"] = np.divide(g["area"].to_numpy() * dissolved, per_subject, out=np.zeros(len(g)), where=per_subject > 0)
    return pd.DataFrame({"subject": g["subject"].to_numpy(), "role": role, "zone": g["zone"].to_numpy(),
                         "position": "inside", "area_m2": g["area_m2"].to_numpy()})


def _outside(subj, planar, res, tol, want_geometry):
    """Part of each subject outside the 城镇开发边界 (position 'outside')."""
    inside = res.occupied + res.sliver_area
    out_area = np.clip(planar - inside, 0.0, None)
    hit = np.nonzero(out_area > max(tol, 0.0))[0]
    occ = pd.DataFrame({"subject": hit, "role": "udb", "zone": "", "position": "outside", "area_m2": out_area[hit]})
    geoms = None
    if want_geometry and len(hit):
        geoms = subj[hit].copy()
        partial = hit[res.occupied[hit] + res.sliver_area[hit] > 0]
        if len(partial):
            p = res.pieces[res.pieces["subject"].isin(partial)].sort_values("subject")
            labels, unions = grouped_union(p["geometry"].to_numpy(), p["subject"].to_numpy())
            pos = np.searchsorted(hit, labels)
            geoms[pos] = shapely.difference(subj[labels], unions)
    pieces = pd.DataFrame({
        "subject": hit, "control": -1, "area": out_area[hit],
        "subject_share": np.divide(out_area[hit], planar[hit], out=np.zeros(len(hit)), where=planar[hit] > 0),
        "sliver": False, "geometry": geoms if geoms is not None else [None] * len(hit),
        "role": "udb", "zone": "", "position": "outside", "control_id": "",
    })
    return occ, pieces


def _group_argmax(groups: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    """For each group id 0…n_groups−1 the row index of its largest value (the first one on a tie, like
    ``idxmax``), −1 for a group without rows — one sort instead of a Python call per group."""
    out = np.full(n_groups, -1, dtype=np.int64)
    if len(groups):
        order = np.lexsort((-np.asarray(values, dtype=float), groups))   # stable: earlier rows first on ties
        g = np.asarray(groups)[order]
        first = np.ones(len(order), dtype=bool)
        first[1:] = g[1:] != g[:-1]
        out[g[first]] = order[first]
    return out


def _split_by_base(pieces: pd.DataFrame, base: BaseInput, want_geometry: bool, progress, cancelled,
                   min_part_m2: float = 0.005, layer: Optional[ControlLayer] = None) -> pd.DataFrame:
    """Break every conflict piece down by the DLTB parcels under it: one row per piece × (class, ownership).

    A part smaller than ``min_part_m2`` (the sliver tolerance; at least 0.005 m², which would print as
    0.00) is where a piece only grazes a neighbouring parcel: its area goes to the piece's largest part,
    so it never shows as a classed row of its own and no area is lost."""
    base_geoms = np.asarray(base.geoms, dtype=object)
    if len(pieces) == 0:  # nothing occupied: nothing to break down
        out = pieces.copy()
        for col in ("base_code", "base_name", "base_group", "base_level1", "ownership", "base_ids"):
            out[col] = pd.Series(dtype=object)
        out["is_paddy"] = pd.Series(dtype=bool)
        return out
    piece_geoms = pieces["geometry"].to_numpy() if "geometry" in pieces else None
    if piece_geoms is None or shapely.is_missing(piece_geoms).all():
        raise ValueError("the DLTB breakdown needs piece geometries (want_geometry=True)")
    if layer is None:
        layer = ControlLayer(base_geoms, "base", cancelled=cancelled)
    sub = overlay(piece_geoms, layer, sliver_tolerance=0.0, want_geometry=want_geometry, progress=progress,
                  cancelled=cancelled)
    parts = sub.pieces
    piece_area = sub.subject_area
    # the share of each piece covered by each parcel; the uncovered rest gets class ''
    covered = np.bincount(parts["subject"].to_numpy(), weights=parts["area"].to_numpy(), minlength=len(pieces))
    rest = np.clip(piece_area - covered, 0.0, None)
    # overlapping DLTB parcels cover part of a piece twice: their shares are scaled so that a piece
    # is never broken down into more than its own area (the overlap is reported by the caller)
    scale = np.divide(piece_area, covered, out=np.ones(len(pieces)), where=covered > piece_area * (1 + 1e-9))
    pidx = parts["subject"].to_numpy()
    frame = pd.DataFrame({
        "piece": pidx,
        "share": np.divide(parts["area"].to_numpy() * scale[pidx], piece_area[pidx],
                           out=np.zeros(len(parts)), where=piece_area[pidx] > 0),
        "base": parts["control"].to_numpy(),
        "geometry": parts["geometry"].to_numpy() if want_geometry else None,
    })
    # grazing parts (below min_part_m2) join the largest part of their piece
    part_m2 = frame["share"].to_numpy() * piece_area[pidx]
    if len(frame):
        host = _group_argmax(pidx, part_m2, len(pieces))[pidx]
        small = (part_m2 < min_part_m2) & (host != np.arange(len(frame)))
        if small.any():
            add = np.bincount(host[small], weights=frame["share"].to_numpy()[small], minlength=len(frame))
            shares = frame["share"].to_numpy() + add
            shares[small] = 0.0
            frame["share"] = shares
            frame = frame[~small].reset_index(drop=True)
        # an uncovered rest below min_part_m2 is the same grazing: it joins the largest part too
        hosts = _group_argmax(frame["piece"].to_numpy(), frame["share"].to_numpy(), len(pieces))
        tiny = np.nonzero((rest > 0) & (rest < min_part_m2))[0]
        tiny = tiny[hosts[tiny] >= 0]
        if len(tiny):
            shares = frame["share"].to_numpy().copy()
            np.add.at(shares, hosts[tiny], rest[tiny] / piece_area[tiny])
            frame["share"] = shares
            rest[tiny] = 0.0
    gaps = np.nonzero((rest >= min_part_m2) & (rest > 1e-6 * np.maximum(piece_area, 1.0)))[0]
    if len(gaps):
        gap_geoms = None
        if want_geometry:
            gap_geoms = [None] * len(gaps)
        frame = pd.concat([frame, pd.DataFrame({"piece": gaps, "share": rest[gaps] / piece_area[gaps], "base": -1,
                                                "geometry": gap_geoms})], ignore_index=True)
    return _classify_parts(pieces, frame, base, want_geometry)


def _base_codes(base: BaseInput) -> list:
    sd = get_registry().classification("sandiao")
    norm = {}
    return [norm[c] if c in norm else norm.setdefault(c, sd.normalize(c)) for c in base.codes]


def _classify_by_own_parcel(pieces: pd.DataFrame, base: BaseInput) -> pd.DataFrame:
    """The DLTB breakdown when the parcels are the subjects themselves and none overlaps another: every
    piece of subject i lies in parcel i alone, so it is one part, parcel i's class and ownership — the
    same rows :func:`_split_by_base` gives, without intersecting each piece with its own parcel."""
    if len(pieces) == 0:
        return _split_by_base(pieces, base, False, None, None)
    frame = pd.DataFrame({"piece": np.arange(len(pieces)), "share": 1.0,
                          "base": pieces["subject"].to_numpy(dtype=np.int64),
                          "geometry": pieces["geometry"].to_numpy() if "geometry" in pieces else None})
    return _classify_parts(pieces, frame, base, "geometry" in pieces, single=True)


def _classify_parts(pieces: pd.DataFrame, frame: pd.DataFrame, base: BaseInput, want_geometry: bool,
                    single: bool = False) -> pd.DataFrame:
    """Rows of ``pieces`` × (class, ownership) from ``frame`` (piece, share of the piece, base parcel or −1
    for uncovered, geometry).  ``single``: every piece has exactly one part (no grouping needed)."""
    reg = get_registry()
    sd = reg.classification("sandiao")
    base_codes = _base_codes(base)
    code_of = {c: (sd.base_code(c) if c and c in sd else (c or UNCOVERED)) for c in set(base_codes)}
    code_of[None] = UNCOVERED
    codes = [base_codes[b] if b >= 0 else None for b in frame["base"]]
    frame["base_code"] = [code_of[c] for c in codes]
    own_zh = {"state": "国有", "collective": "集体"}
    own_of = {}
    own_raw = [base.ownership[b] if b >= 0 else None for b in frame["base"]]
    frame["ownership"] = [own_of[o] if o in own_of else own_of.setdefault(o, own_zh.get(reg.ownership(o), ""))
                          for o in own_raw]
    frame["base_id"] = [str(base.ids[b]) if b >= 0 else "" for b in frame["base"]]
    keys = ["piece", "base_code", "ownership"]
    if single:
        agg = frame[["piece", "base_code", "ownership", "share"]].copy()
        agg["base_ids"] = frame["base_id"].to_numpy()
        agg["geometry"] = frame["geometry"].to_numpy() if want_geometry else None
        return _piece_rows(pieces, agg, sd)
    frame = frame.sort_values(keys, kind="stable").reset_index(drop=True)
    grouped = frame.groupby(keys, sort=False)
    agg = grouped["share"].sum().reset_index()
    ids_first = grouped["base_id"].first().to_numpy()
    n_ids = grouped["base_id"].size().to_numpy()
    # one parcel id, or the first id and how many more (a full list would not fit a field)
    agg["base_ids"] = [f if n == 1 else f"{f} 等{n}个" for f, n in zip(ids_first, n_ids)]
    if want_geometry:
        grp = frame.groupby(keys, sort=False).ngroup().to_numpy()
        ok = ~shapely.is_missing(frame["geometry"].to_numpy())
        labels, unions = grouped_union(frame["geometry"].to_numpy()[ok], grp[ok])
        geom = np.full(len(agg), None, dtype=object)
        geom[labels] = unions
        agg["geometry"] = geom
    else:
        agg["geometry"] = None
    return _piece_rows(pieces, agg, sd)


def _piece_rows(pieces: pd.DataFrame, agg: pd.DataFrame, sd) -> pd.DataFrame:
    """The output rows: each (piece, class, ownership) of ``agg`` with the piece's columns scaled by its share."""
    src = pieces.drop(columns=["geometry"]).reset_index(drop=True)
    out = src.iloc[agg["piece"].to_numpy()].reset_index(drop=True)
    out["area"] = out["area"].to_numpy() * agg["share"].to_numpy()
    out["area_m2"] = out["area_m2"].to_numpy() * agg["share"].to_numpy()
    out["subject_share"] = out["subject_share"].to_numpy() * agg["share"].to_numpy()
    out["base_code"] = agg["base_code"].to_numpy()
    out["ownership"] = agg["ownership"].to_numpy()
    out["base_ids"] = agg["base_ids"].to_numpy()
    out["geometry"] = agg["geometry"].to_numpy()
    info = {}
    for c in set(out["base_code"]):
        k = sd.get(c) if c else None
        info[c] = (sd.name(c) or ("未覆盖现状图斑" if c == UNCOVERED else ""), (k.sandalei or "") if k else "",
                   (sd.name(k.level1_code) or "") if k else "")
    out["base_name"] = [info[c][0] for c in out["base_code"]]
    out["base_group"] = [info[c][1] for c in out["base_code"]]
    out["base_level1"] = [info[c][2] for c in out["base_code"]]
    out["is_paddy"] = out["base_code"] == "0101"
    return out


def _empty_occupancy() -> pd.DataFrame:
    return pd.DataFrame({"subject": pd.Series(dtype=int), "role": pd.Series(dtype=object),
                         "zone": pd.Series(dtype=object), "position": pd.Series(dtype=object),
                         "area_m2": pd.Series(dtype=float)})


def _empty_pieces() -> pd.DataFrame:
    return pd.DataFrame({"subject": pd.Series(dtype=int), "control": pd.Series(dtype=int),
                         "area": pd.Series(dtype=float), "subject_share": pd.Series(dtype=float),
                         "sliver": pd.Series(dtype=bool), "geometry": pd.Series(dtype=object),
                         "role": pd.Series(dtype=object), "zone": pd.Series(dtype=object),
                         "position": pd.Series(dtype=object), "control_id": pd.Series(dtype=object)})
