"""Bad inputs as planners have them, made from a township of the sample county.

``township(folder)`` writes ``town.gpkg`` (DLTB, GHYD, YJJBNT, CZKFBJ of one window of the sample
county) and each ``make_*`` function writes one kind of bad copy of a layer.  The matrix test
(test_input_gate.py) runs every algorithm on every kind; ``KINDS`` below is the matrix's data and
``tools/gate_table.py`` renders the README table "what GuotuKit does with bad data" from it.
"""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample" / "county.gpkg"
WINDOW = (39496000, 3880000, 39504000, 3886000)
LAYERS = ("DLTB", "GHYD", "YJJBNT", "CZKFBJ")

# kind -> (what is wrong, what GuotuKit does) — the README table is rendered from this
KINDS = {
    "points": ("A point layer where parcels (polygons) are expected", "refused before any computation: names the parameter and the layer"),
    "lines": ("A line layer where parcels are expected", "refused: names the parameter and the layer"),
    "no_crs": ("A shapefile without .prj (no CRS)", "refused: says how to set the CRS or add the .prj"),
    "swapped_layer": ("x/y swapped (or zone prefix missing) for a whole layer", "refused: the layer's extent, its CRS, the CRS's area of use and the likely cause"),
    "swapped_feature": ("x/y swapped for one feature", "runs; the feature is counted, listed and left out of every figure (a compliance subject is 需论证, never 通过)"),
    "gbk_no_cpg": ("A GBK shapefile without .cpg", "runs, read as GB18030; the log and 数据说明 say so; figures equal the UTF-8 run"),
    "invalid_geoms": ("Bowtie, empty and NULL geometries (policy 'skip')", "runs; each is counted, listed and left out of every figure"),
    "area_text": ("Area field as text (\"12.5\", \"1,234.5\", \"\") or negative", "runs; unambiguous text is parsed; blank, negative or unreadable values are counted, listed and left out"),
    "overlap": ("Overlapping parcels in a layer whose areas are summed", "runs; the pairs and the doubly counted area are reported"),
    "empty_control": ("An empty optional control or exclusion layer", "runs; the role is reported 未检查 / 排除图层为空，未排除任何图斑"),
    "profile_role_typo": ("A rule profile with the role typo `pdf`", "refused: file, line, column and the allowed values"),
    "profile_unclosed_quote": ("A rule profile with an unclosed quote", "refused: file and line"),
    "profile_semicolon": ("A rule profile saved with ';' as delimiter", "refused: file, line and the delimiter to use"),
    "readonly_output": ("An output folder that cannot be written", "refused before any computation, naming the folder"),
    "missing_output_folder": ("An output whose folder does not exist", "refused before any computation; earlier outputs stay as they were"),
    "cancel": ("The run is cancelled", "fails with 取消/Cancelled; no new file, earlier outputs stay as they were"),
}


def _ogr():
    from osgeo import gdal, ogr

    gdal.UseExceptions()
    return gdal, ogr


def township(folder) -> Path:
    gdal, _ = _ogr()
    dst = Path(folder) / "town.gpkg"
    if dst.exists():
        return dst
    for i, name in enumerate(LAYERS):
        gdal.VectorTranslate(str(dst), str(SAMPLE), format="GPKG", layers=[name], spatFilter=list(WINDOW),
                             accessMode=None if i == 0 else "update", layerName=name)
    return dst


def read(path, layer=None):
    """[(fid, shapely geometry or None, {field: value})] of a layer (independent of QGIS)."""
    import shapely

    _, ogr = _ogr()
    ds = ogr.Open(str(path))
    lyr = ds.GetLayerByName(layer) if layer else ds.GetLayer(0)
    out = []
    for f in lyr:
        g = f.GetGeometryRef()
        geom = shapely.from_wkb(bytes(g.ExportToWkb())) if g is not None and not g.IsEmpty() else None
        out.append((f.GetFID(), geom, {k: f.GetField(k) for k in f.keys()}))
    return out


def derive(src_gpkg, layer, dst, geometry=None, fields=None, fmt=None, srs=True, encoding=None, geom_type=None):
    """Copy ``layer`` of ``src_gpkg`` to ``dst`` (GPKG or ESRI Shapefile by extension), passing each
    (index, shapely geometry) through ``geometry`` (None: NULL geometry; return a geometry) and each
    attribute dict through ``fields`` ((index, dict) -> dict, may change TBMJ to text).  Returns ``dst``."""
    import shapely
    from osgeo import osr

    gdal, ogr = _ogr()
    rows = read(src_gpkg, layer)
    src_ds = ogr.Open(str(src_gpkg))
    src_l = src_ds.GetLayerByName(layer)
    defn = src_l.GetLayerDefn()
    dst = str(dst)
    fmt = fmt or ("ESRI Shapefile" if dst.endswith(".shp") else "GPKG")
    drv = ogr.GetDriverByName(fmt)
    if os.path.exists(dst):
        drv.DeleteDataSource(dst)
    ds = drv.CreateDataSource(dst)
    sr = None
    if srs:
        sr = osr.SpatialReference()
        sr.ImportFromEPSG(4527)
    opts = [f"ENCODING={encoding}"] if encoding else []
    out = ds.CreateLayer(layer, sr, geom_type or ogr.wkbMultiPolygon, options=opts)
    sample_attrs = fields(0, dict(rows[0][2])) if fields else rows[0][2]
    for k in range(defn.GetFieldCount()):
        fd = defn.GetFieldDefn(k)
        name = fd.GetName()
        if fields and isinstance(sample_attrs.get(name), str) and fd.GetType() != ogr.OFTString:
            fd = ogr.FieldDefn(name, ogr.OFTString)
            fd.SetWidth(20)
        out.CreateField(fd)
    for name, value in sample_attrs.items():  # fields the caller adds (text)
        if defn.GetFieldIndex(name) < 0 and isinstance(value, str):
            fd = ogr.FieldDefn(name, ogr.OFTString)
            fd.SetWidth(24)
            out.CreateField(fd)
    for i, (_, geom, attrs) in enumerate(rows):
        f = ogr.Feature(out.GetLayerDefn())
        if fields:
            attrs = fields(i, dict(attrs))
        for k, v in attrs.items():
            if v is not None:
                f.SetField(k, v)
        g = geometry(i, geom) if geometry else geom
        if g is not None:
            f.SetGeometry(ogr.CreateGeometryFromWkb(shapely.to_wkb(g)))
        out.CreateFeature(f)
    ds = None
    return dst


def swap_xy(g):
    import shapely

    return shapely.transform(g, lambda c: c[:, ::-1])


def bowtie_near(g):
    """A self-intersecting polygon over ``g``'s bounding box (the classic figure eight)."""
    import shapely

    x0, y0, x1, y1 = shapely.bounds(g)
    return shapely.from_wkt(f"POLYGON(({x0} {y0},{x1} {y1},{x1} {y0},{x0} {y1},{x0} {y0}))")


def recode_dbf(dbf_path, encoding="gbk"):
    """Rewrite the text of a UTF-8 .dbf in ``encoding`` in place (fields keep their byte widths), set
    its language-driver byte to 0 and remove the .cpg: a shapefile as 三调 data often arrives."""
    import struct

    with open(dbf_path, "rb") as f:
        data = bytearray(f.read())
    n, header_len, record_len = struct.unpack("<IHH", bytes(data[4:12]))
    spans, pos = [], 1
    for k in range(32, header_len - 1, 32):
        if data[k] == 0x0D:
            break
        ftype, flen = chr(data[k + 11]), data[k + 16]
        if ftype == "C":
            spans.append((pos, flen))
        pos += flen
    for r in range(n):
        base = header_len + r * record_len
        for a, w in spans:
            raw = bytes(data[base + a: base + a + w]).rstrip(b" \x00")
            text = raw.decode("utf-8", errors="ignore").encode(encoding)[:w]
            data[base + a: base + a + w] = text.ljust(w, b" ")
    data[29] = 0
    with open(dbf_path, "wb") as f:
        f.write(bytes(data))
    for ext in (".cpg", ".CPG"):
        p = str(dbf_path)[:-4] + ext
        if os.path.exists(p):
            os.remove(p)
