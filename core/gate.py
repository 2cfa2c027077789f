"""The input gate's pure half: decisions about bad data that need no QGIS.

Every algorithm passes each layer it reads and each file it writes through
``processing_provider.gate``, which asks QGIS for what only QGIS knows (a layer's CRS,
its area of use, its provider) and leaves the decisions to the functions here:

* :func:`parse_areas` — area fields holding text (``"12.5"``, ``"1,234.5"``, ``""``) or
  negative values: parsed where unambiguous, otherwise counted per kind;
* :func:`inside_window` — whether a feature's coordinates can belong to the CRS (x/y swapped,
  zone prefix missing, 3°/6° zones mixed up);
* :func:`dbf_text_encoding` — the text encoding of a shapefile without ``.cpg``;
* :func:`redact` — data-source strings without user names and passwords;
* :func:`output_problem` and :class:`StagedOutputs` — every output path checked writable before
  any computation, written to a temporary name and moved into place only when the whole run
  succeeded.
"""
from __future__ import annotations

import os
import re
import struct
import tempfile
import unicodedata
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

# --------------------------------------------------------------------------- area fields
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_PLAIN = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


@dataclass
class AreaValues:
    """An area column as floats in m²; ``NaN`` where the value cannot be used.

    ``blank``, ``negative`` and ``unparseable`` list the row indices of each kind of unusable
    value; ``from_text`` counts values that arrived as text and were parsed."""

    values: np.ndarray
    blank: List[int] = field(default_factory=list)
    negative: List[int] = field(default_factory=list)
    unparseable: List[int] = field(default_factory=list)
    from_text: int = 0
    samples: Dict[int, str] = field(default_factory=dict)  # index -> the raw text, for the first few bad ones

    @property
    def bad(self) -> List[int]:
        return sorted(self.blank + self.negative + self.unparseable)

    def describe_zh(self, layer: str, field_name: str, ids: Optional[Sequence] = None) -> str:
        """One sentence for the log and the report; '' when every value was usable."""
        parts = []
        if self.blank:
            parts.append(f"空值 {len(self.blank)} 个")
        if self.negative:
            parts.append(f"负值 {len(self.negative)} 个")
        if self.unparseable:
            shown = "、".join(f"“{self.samples[i]}”" for i in self.unparseable[:3] if i in self.samples)
            parts.append(f"无法识别为数字 {len(self.unparseable)} 个（如 {shown}）")
        if not parts:
            return ""
        bad = self.bad
        listing = ""
        if ids is not None:
            listing = "（要素号 " + "、".join(str(ids[i]) for i in bad[:20]) + (" 等" if len(bad) > 20 else "") + "）"
        return (f"图层「{layer}」面积字段 {field_name}：{'，'.join(parts)}{listing}；这些图斑不计入任何面积统计，"
                "请在图层中补正后重算")


def parse_areas(values: Sequence) -> AreaValues:
    """Parse an area column.  Numbers pass; text is parsed when it is unambiguous: blanks
    stripped, full-width digits folded (NFKC), ``1,234.5`` with thousands separators.  ``""``
    and NULL are blank; negative values and anything else (``"12,5"``, ``"约3亩"``) are
    unusable: NaN, listed by kind, never silently 0."""
    n = len(values)
    out = np.full(n, np.nan, dtype=float)
    res = AreaValues(out)
    for i, v in enumerate(values):
        if v is None or (isinstance(v, float) and v != v):
            res.blank.append(i)
            continue
        if isinstance(v, (bool, np.bool_)):
            res.unparseable.append(i)
            res.samples.setdefault(i, str(v))
            continue
        if isinstance(v, (int, float, np.integer, np.floating)):
            f = float(v)
        else:
            text = unicodedata.normalize("NFKC", str(v)).strip()
            if not text:
                res.blank.append(i)
                continue
            if _PLAIN.match(text):
                f = float(text)
            elif _THOUSANDS.match(text):
                f = float(text.replace(",", ""))
            else:
                res.unparseable.append(i)
                if len(res.samples) < 10:
                    res.samples[i] = str(v)[:20]
                continue
            res.from_text += 1
        if not np.isfinite(f):
            res.unparseable.append(i)
            res.samples.setdefault(i, str(v)[:20])
        elif f < 0:
            res.negative.append(i)
        else:
            out[i] = f
    return res


# --------------------------------------------------------------------------- coordinates
def inside_window(box, window: Optional[Tuple[float, float, float, float]]) -> bool:
    """True when a feature's bounding box (xmin, ymin, xmax, ymax) lies wholly inside ``window`` (the
    CRS's area of use with a margin, in the layer's own coordinates) and is finite; ``window`` None:
    only finiteness can be decided."""
    x0, y0, x1, y1 = box
    if not all(v == v and abs(v) != float("inf") for v in box):
        return False
    if window is None:
        return True
    return window[0] <= x0 and x1 <= window[2] and window[1] <= y0 and y1 <= window[3]


def extent_text(b) -> str:
    return f"x {b[0]:,.2f} – {b[2]:,.2f}，y {b[1]:,.2f} – {b[3]:,.2f}"


def window_text(w) -> str:
    return f"x {w[0]:,.0f} – {w[2]:,.0f}，y {w[1]:,.0f} – {w[3]:,.0f}"


def coordinate_hint(extent, window) -> str:
    """What probably went wrong, when a whole layer lies outside its CRS's area of use."""
    (ex0, ey0, ex1, ey1), (wx0, wy0, wx1, wy1) = extent, window
    swapped = wx0 <= ey0 and ey1 <= wx1 and wy0 <= ex0 and ex1 <= wy1
    if swapped:
        return "x 与 y 似乎对调了（x/y swapped）"
    if wx0 >= 1e7 and 1e5 <= ex0 and ex1 < 1e6:
        return "x 坐标缺少带号（zone prefix missing）：请改用不带带号的 CGCS2000 3 度带坐标系（EPSG:4534–4554）"
    if wx1 < 1e6 and ex0 >= 1e7:
        return "x 坐标带有带号（zone prefix present）：请改用带带号的 CGCS2000 坐标系（EPSG:4513–4533 或 6 度带 4491–4501）"
    if ex0 >= 1e7 and wx0 >= 1e7:
        return "带号与坐标系不符，可能混用了 3 度带和 6 度带（3°/6° zones mixed up）或选错了带号"
    return "坐标与坐标系不符（coordinates do not fit the CRS）"


# --------------------------------------------------------------------------- text encoding
def dbf_text_encoding(dbf_path: str, max_bytes: int = 8_000_000) -> Tuple[str, str]:
    """(encoding, sample) of the character fields of a dBASE file: ``"ascii"`` (nothing to
    decide), ``"utf-8"``, ``"gb18030"`` (the usual encoding of 三调 shapefiles) or ``"unknown"``.
    ``sample`` is a few decoded characters for the log.  Reads at most ``max_bytes`` of records."""
    with open(dbf_path, "rb") as f:
        head = f.read(32)
        if len(head) < 32:
            return "ascii", ""
        n_records, header_len, record_len = struct.unpack("<IHH", head[4:12])
        descriptors = f.read(max(header_len - 32, 0))
        spans = []
        pos = 1  # the deletion flag
        for k in range(0, len(descriptors) - 31, 32):
            d = descriptors[k:k + 32]
            if d[0] == 0x0D:
                break
            ftype, flen = chr(d[11]), d[16]
            if ftype in ("C", "M"):
                spans.append((pos, pos + flen))
            pos += flen
        if not spans or record_len <= 0:
            return "ascii", ""
        f.seek(header_len)
        data = f.read(min(n_records * record_len, max_bytes))
    chunks = []
    for r in range(0, len(data) - record_len + 1, record_len):
        rec = data[r:r + record_len]
        for a, b in spans:
            v = rec[a:b].rstrip(b" \x00")
            if any(c >= 0x80 for c in v):
                chunks.append(v)
    if not chunks:
        return "ascii", ""
    # each value on its own: a field cut in the middle of a multi-byte character is still valid text
    utf8 = [_decode_cut(v, "utf-8") for v in chunks]
    if all(t is not None for t in utf8):
        return "utf-8", _sample("\n".join(utf8))
    gb = [_decode_cut(v, "gb18030") for v in chunks]
    if all(t is not None for t in gb):
        text = "\n".join(gb)
        cjk = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
        non_ascii = sum(1 for ch in text if ord(ch) >= 0x80)
        if non_ascii and cjk / non_ascii >= 0.8:
            return "gb18030", _sample(text)
    return "unknown", ""


def _decode_cut(value: bytes, encoding: str) -> Optional[str]:
    """``value`` decoded, allowing only a character cut off at the end; None when it is not that encoding."""
    try:
        return value.decode(encoding)
    except UnicodeDecodeError as exc:
        if exc.start >= len(value) - 3 and exc.end == len(value):
            try:
                return value[: exc.start].decode(encoding)
            except UnicodeDecodeError:
                return None
        return None


def _sample(text: str) -> str:
    words = [w for w in re.split(r"\s+", text) if any(ord(c) >= 0x80 for c in w)]
    return "、".join(list(dict.fromkeys(words))[:3])


# --------------------------------------------------------------------------- secrets
_SECRET_KEYS = r"(?:password|passwd|pwd|user|username|uid)"
_KV_QUOTED = re.compile(rf"\b{_SECRET_KEYS}\s*=\s*'(?:[^'\\]|\\.)*'\s*", re.IGNORECASE)
_KV_DQUOTED = re.compile(rf'\b{_SECRET_KEYS}\s*=\s*"(?:[^"\\]|\\.)*"\s*', re.IGNORECASE)
_KV_PLAIN = re.compile(rf"\b{_SECRET_KEYS}\s*=\s*[^\s'\"|&;]+\s*", re.IGNORECASE)
_URL_CRED = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)[^/@\s]+@", re.IGNORECASE)


def redact(text) -> str:
    """A data-source string without user names and passwords (``password='…'``,
    ``user=…``, ``PG:… password=…``, ``postgresql://user:pw@host``), for reports, logs and
    messages.  Everything else (host, database, table, layer name, authcfg id) is kept."""
    if text is None:
        return ""
    s = str(text)
    s = _KV_QUOTED.sub("", s)
    s = _KV_DQUOTED.sub("", s)
    s = _KV_PLAIN.sub("", s)
    s = _URL_CRED.sub(lambda m: m.group("scheme"), s)
    return s.strip()


# --------------------------------------------------------------------------- outputs
def output_problem(path: str) -> Optional[Tuple[str, str]]:
    """(中文, English) sentence when ``path`` cannot be written, else None.  Cheap: checks the
    folder exists, is a folder and takes a new file; an existing file that is read-only is
    refused too (it could not be replaced on every platform)."""
    path = os.path.abspath(path)
    folder = os.path.dirname(path)
    if os.path.isdir(path):
        return (f"输出路径 {path} 是一个文件夹，请给出文件名", f"the output {path} is a folder; give a file name")
    if not os.path.exists(folder):
        return (f"输出文件夹 {folder} 不存在，请先建立该文件夹或另选位置",
                f"the output folder {folder} does not exist; create it or choose another place")
    if not os.path.isdir(folder):
        return (f"输出位置 {folder} 不是文件夹", f"{folder} is not a folder")
    try:
        fd, probe = tempfile.mkstemp(prefix=".guotukit-probe-", dir=folder)
        os.close(fd)
        os.remove(probe)
    except OSError:
        return (f"输出文件夹 {folder} 不可写（只读或没有权限），请另选位置",
                f"the output folder {folder} is not writable (read-only or no permission); choose another place")
    if os.path.exists(path) and not os.access(path, os.W_OK):
        return (f"输出文件 {path} 已存在且为只读，无法覆盖；请另选文件名或取消其只读属性",
                f"the output file {path} exists and is read-only; choose another name or make it writable")
    return None


_SIDECARS = {
    ".shp": (".shp", ".shx", ".dbf", ".prj", ".cpg", ".qpj", ".qix", ".sbn", ".sbx", ".shp.xml"),
    ".tab": (".tab", ".dat", ".map", ".id", ".ind"),
    # a workbook's bounded detail sheets in full beside it: a run that writes none removes the old ones
    ".xlsx": (".xlsx", "_审查结论.csv", "_冲突明细.csv", "_未纳入图斑.csv"),
}


def _family(path: str) -> List[str]:
    stem, ext = os.path.splitext(path)
    return [stem + e for e in _SIDECARS.get(ext.lower(), (ext,))]


class StagedOutputs:
    """Write every output into a hidden temporary folder beside its final place (same name, so a
    GeoPackage's layer keeps its name); :meth:`commit` moves them all into place at the end of a
    successful run, :meth:`rollback` removes them after a failed or cancelled one.  A run thus
    leaves either all its outputs or nothing new, and never replaces a good earlier output with a
    half-written or empty one."""

    def __init__(self):
        self.pairs: List[Tuple[str, str]] = []  # (temporary, final)
        self._dirs: List[str] = []

    def stage(self, final: str) -> str:
        final = os.path.abspath(final)
        folder, name = os.path.split(final)
        tmpdir = tempfile.mkdtemp(prefix=".guotukit-tmp-", dir=folder)
        self._dirs.append(tmpdir)
        tmp = os.path.join(tmpdir, name)
        self.pairs.append((tmp, final))
        return tmp

    def temp_to_final(self) -> Dict[str, str]:
        return {t: f for t, f in self.pairs}

    def commit(self) -> None:
        """Move each staged file (and its sidecars) into place; an output the run did not write
        (an optional one) leaves its final path untouched."""
        for tmp, final in self.pairs:
            # the folder holds this output alone: whatever the writer put there (its sidecars) moves
            folder = os.path.dirname(tmp)
            written = [os.path.join(folder, f) for f in os.listdir(folder)] if os.path.isdir(folder) else []
            if not written:
                continue
            for old in _family(final):  # a shapefile's old .cpg/.prj must not outlive it
                if os.path.exists(old) and old not in (final,):
                    os.remove(old)
            for extra in (final + "-wal", final + "-shm"):
                if os.path.exists(extra):
                    os.remove(extra)
            for src in written:
                os.replace(src, os.path.join(os.path.dirname(final), os.path.basename(src)))
        self._cleanup()

    def rollback(self) -> None:
        self._cleanup()

    def _cleanup(self) -> None:
        import shutil

        for d in self._dirs:
            shutil.rmtree(d, ignore_errors=True)
        self._dirs = []
