"""No secret leaves its connection: algorithms run on PostGIS layers whose connection carries a user
name and a password (the usual desktop case: a saved connection with a stored password), and no
output file, report sheet or log line contains either.

A throwaway PostgreSQL + PostGIS cluster is started for the session (``make test`` installs
postgresql and postgis; set GUOTUKIT_SKIP_POSTGIS=1 to skip on a machine without them).
"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import zipfile

import pytest

from . import badinputs as bi

SECRET = "Gtk-S3cr3t-pw!"
USER = "gtk_secret_user"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def postgis(tmp_path_factory):
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not bins:
        if os.environ.get("GUOTUKIT_SKIP_POSTGIS") == "1":
            pytest.skip("PostgreSQL is not installed and GUOTUKIT_SKIP_POSTGIS=1")
        pytest.fail("PostgreSQL is not installed: `make test` installs postgresql and postgis (Debian packages)")
    bindir = os.path.dirname(bins[-1])
    root = os.geteuid() == 0
    base = tempfile.mkdtemp(prefix="gtk-pg-")
    os.chmod(base, 0o755)
    if root:
        shutil.chown(base, "postgres", "postgres")
    pre = ["runuser", "-u", "postgres", "--"] if root else []
    pw = os.path.join(base, "pw")
    with open(pw, "w") as f:
        f.write(SECRET + "\n")
    if root:
        shutil.chown(pw, "postgres", "postgres")
    data, port = os.path.join(base, "data"), _free_port()
    subprocess.run(pre + [f"{bindir}/initdb", "-D", data, "-U", USER, f"--pwfile={pw}", "--auth=scram-sha-256",
                          "-E", "UTF8", "--locale=C"], check=True, capture_output=True)
    subprocess.run(pre + [f"{bindir}/pg_ctl", "-D", data, "-w", "-l", os.path.join(base, "log"), "-o",
                          f"-p {port} -k {base} -c listen_addresses=127.0.0.1", "start"], check=True, capture_output=True)
    env = dict(os.environ, PGPASSWORD=SECRET)
    try:
        subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(port), "-U", USER, "-d", "postgres", "-c", "CREATE DATABASE gis"],
                       check=True, capture_output=True, env=env)
        subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(port), "-U", USER, "-d", "gis", "-c", "CREATE EXTENSION postgis"],
                       check=True, capture_output=True, env=env)
        from osgeo import gdal

        gdal.UseExceptions()
        town = bi.township(tmp_path_factory.mktemp("pgtown"))
        conn = f"PG:host=127.0.0.1 port={port} dbname=gis user={USER} password={SECRET}"
        for name in ("GHYD", "YJJBNT", "DLTB"):
            gdal.VectorTranslate(conn, str(town), layers=[name], layerName=name.lower(), format="PostgreSQL",
                                 layerCreationOptions=["GEOMETRY_NAME=geom", "FID=fid"])
        yield port
    finally:
        subprocess.run(pre + [f"{bindir}/pg_ctl", "-D", data, "-m", "fast", "stop"], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def _pg_layer(port, table, name):
    from qgis.core import QgsDataSourceUri, QgsVectorLayer

    uri = QgsDataSourceUri()
    uri.setConnection("127.0.0.1", str(port), "gis", USER, SECRET)
    uri.setDataSource("public", table, "geom", "", "fid")
    layer = QgsVectorLayer(uri.uri(False), name, "postgres")
    assert layer.isValid(), layer.dataProvider().error().message() if layer.dataProvider() else "no provider"
    assert SECRET in layer.source()  # the secret really is in the layer's source
    return layer


def _text_of(path) -> str:
    if path.endswith(".xlsx"):
        with zipfile.ZipFile(path) as z:
            return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    with open(path, "rb") as f:
        return f.read().decode("utf-8", "replace")


def test_no_password_or_user_in_any_output_or_message(postgis, run_alg, tmp_path):
    subjects = _pg_layer(postgis, "ghyd", "规划用地")
    pbf = _pg_layer(postgis, "yjjbnt", "永久基本农田")
    dltb = _pg_layer(postgis, "dltb", "地类图斑")
    runs = {
        "guotukit:compliancecheck": {"SUBJECT_LAYER": subjects, "SUBJECT_ID_FIELD": "BSM", "SUBJECT_CODE_FIELD": "GHDLBM",
                                     "PROJECT_TYPE": 6, "PBF_LAYER": pbf, "BASE_PARCELS": dltb,
                                     "CONFLICTS": str(tmp_path / "conflicts.gpkg"), "SUMMARY": str(tmp_path / "verdicts.gpkg"),
                                     "OUTPUT_XLSX": str(tmp_path / "compliance.xlsx")},
        "guotukit:structuretable": {"BASE_LAYER": dltb, "TARGET_LAYER": subjects, "TABLE": str(tmp_path / "table.gpkg"),
                                    "OUTPUT_XLSX": str(tmp_path / "structure.xlsx")},
        "guotukit:assetpackages": {"PARCELS": dltb, "PLAN_LAYER": subjects, "EXCLUDE_LAYERS": [pbf], "MIN_AREA": 5,
                                   "MAX_AREA": 60, "PACKAGES": str(tmp_path / "packages.gpkg"),
                                   "ASSIGNMENT": str(tmp_path / "assignment.gpkg"), "OUTPUT_XLSX": str(tmp_path / "packages.xlsx")},
    }
    messages = []
    for alg, params in runs.items():
        res, fb, _ = run_alg(alg, params)
        messages += fb.errors + fb.warnings + fb.infos + [str(v) for v in res.values()]
    files = sorted(glob.glob(str(tmp_path / "*")))
    assert len(files) == 8
    for path in files:
        text = _text_of(path)
        assert SECRET not in text and USER not in text, f"{os.path.basename(path)} carries the connection's secret"
    sheet = _text_of(str(tmp_path / "compliance.xlsx"))
    assert "127.0.0.1" in sheet and "dbname" in sheet  # 数据说明 still says where the data came from
    for m in messages:
        assert SECRET not in m and USER not in m, m
