"""Reference max-p regionalisation runs (PySAL spopt, pygeoda) in an isolated benchmark venv.

The reference tools and their dependency stack (numpy 2, pandas, geopandas, libpysal, ...) are
installed only into ``<root>/.venv-bench``, never into the project venv. The parent side
(:func:`ensure_env`, :func:`run_maxp`) imports only numpy and the standard library; the solve
runs in a worker process under the bench venv's python, which the parent kills on timeout.

    python tools/bench_maxp.py selftest [--size 10] [--floor-cells 5] [--timeout 600] [--tools spopt,pygeoda]
    python tools/bench_maxp.py worker IN.npz OUT.json --tool spopt|pygeoda --timeout SECONDS

IN.npz: ``wkb`` (object array of polygon WKB, projected CRS in metres), ``area_m2`` (float, the
floor variable), ``attrs`` (n x k float, homogeneity attributes), ``floor_m2`` (scalar), ``seed``.
OUT.json: ``tool``, ``version``, ``n``, ``time_weights_s``, ``time_solve_s``, ``labels`` (one per
input polygon, unassigned = -1), ``n_regions``, ``error`` (null or message), plus informational
``time_load_s``, ``dropped_units``, ``deps`` and ``params``. Units of rook-connected components whose
total area is below the floor are left out of both solves and labelled -1 (see :func:`_solve`).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
VENV_DIR = ".venv-bench"
MARKER = ".bench-installed"
BASE_PYTHON = "/usr/bin/python3"
TOOLS = ("spopt", "pygeoda")

# Versions checked to install from wheels and work together on CPython 3.11 (Debian 12).
REQUIREMENTS = (
    "spopt==0.7.0",
    "libpysal==4.14.1",
    "pygeoda==0.1.3",
    "geopandas==1.2.0",
    "shapely==2.2.0",
    "numpy==2.4.6",
    "pandas==3.1.1",
    "scipy==1.17.1",
    "scikit-learn==1.9.1",
    "pulp==3.3.2",
    "networkx==3.6.1",
    "esda==2.9.0",
    "pointpats==2.5.5",
    "spaghetti==1.7.6",
    "mapclassify==2.10.0",
    "pyproj==3.7.2",
    "pyogrio==0.13.0",
    "rtree==1.4.1",
    "tqdm==4.70.1",
)

# Solver settings kept small so that the reference runs finish.
SPOPT_TOP_N = 2
SPOPT_ITER_CONSTRUCTION = 10
PYGEODA_ITERATIONS = 10


# --------------------------------------------------------------------------- parent side


def _venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_env(root: Path) -> Path:
    """Create ``root/.venv-bench`` with the pinned reference tools if needed; return its python."""
    venv = Path(root) / VENV_DIR
    python = _venv_python(venv)
    marker = venv / MARKER
    wanted = "\n".join(REQUIREMENTS) + "\n"
    if python.exists() and marker.exists() and marker.read_text() == wanted:
        return python
    if not python.exists():
        base = BASE_PYTHON if os.path.exists(BASE_PYTHON) else sys.executable
        print(f"bench_maxp: creating {venv} with {base} -m venv", flush=True)
        subprocess.run([base, "-m", "venv", str(venv)], check=True)
    print(f"bench_maxp: installing into {venv}: {' '.join(REQUIREMENTS)}", flush=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--disable-pip-version-check", "--only-binary=:all:", *REQUIREMENTS],
        check=True,
    )
    marker.write_text(wanted)
    print("bench_maxp: bench venv ready", flush=True)
    return python


def _kill(proc: subprocess.Popen) -> None:
    """Kill the worker (and anything it started: it runs in its own session)."""
    try:
        if hasattr(os, "killpg"):
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
    except (ProcessLookupError, PermissionError):
        pass


def run_maxp(tool: str, wkb, area_m2, attrs, floor_m2, seed, timeout_s, root=ROOT) -> dict:
    """Run one reference tool on the polygons in the bench venv; never raises.

    Returns the worker's result dict, or ``{"tool", "error", ...}`` on failure or timeout (with
    whatever timings the worker recorded before it was killed).
    """
    try:
        python = ensure_env(Path(root))
        n = len(wkb)
        geoms = np.empty(n, dtype=object)
        geoms[:] = [bytes(g) for g in wkb]
        area = np.asarray(area_m2, dtype=np.float64).reshape(n)
        x = np.asarray(attrs, dtype=np.float64).reshape(n, -1)
        with tempfile.TemporaryDirectory(prefix="bench_maxp_") as tmp:
            inp, out = Path(tmp) / "in.npz", Path(tmp) / "out.json"
            np.savez(inp, wkb=geoms, area_m2=area, attrs=x, floor_m2=np.float64(floor_m2), seed=np.int64(seed))
            cmd = [str(python), str(Path(__file__).resolve()), "worker", str(inp), str(out),
                   "--tool", tool, "--timeout", str(timeout_s)]
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                    start_new_session=True)
            try:
                _, err = proc.communicate(timeout=timeout_s)
                timed_out = False
            except subprocess.TimeoutExpired:
                _kill(proc)
                _, err = proc.communicate()
                timed_out = True
            res = {"tool": tool, "n": n}
            if out.exists():
                try:
                    res.update(json.loads(out.read_text()))
                except ValueError:
                    pass
            if timed_out:
                res["error"] = f"timeout after {timeout_s:g} s"
                res.pop("labels", None)
            elif proc.returncode != 0 and not res.get("error"):
                tail = (err or "").strip().splitlines()[-5:]
                res["error"] = f"worker exited {proc.returncode}: " + " | ".join(tail)
            elif "labels" not in res and not res.get("error"):
                res["error"] = "worker wrote no result"
            return res
    except Exception as exc:  # noqa: BLE001 - the contract is to never raise
        return {"tool": tool, "error": f"{type(exc).__name__}: {exc}"}


# --------------------------------------------------------------------------- worker side (bench venv)


def _normalise(labels) -> list:
    """Region labels as ints with unassigned (0 or negative in both tools) = -1."""
    lab = np.asarray(labels, dtype=np.int64)
    return np.where(lab > 0, lab, -1).tolist()


def _feasible(neighbors, area: np.ndarray, floor_m2: float) -> np.ndarray:
    """Mask of units whose rook-connected component reaches the floor (``neighbors(i)`` -> ids)."""
    n = len(area)
    comp = np.full(n, -1, dtype=np.int64)
    for s in range(n):
        if comp[s] >= 0:
            continue
        comp[s], todo = s, [s]
        while todo:
            for j in neighbors(todo.pop()):
                if comp[j] < 0:
                    comp[j] = s
                    todo.append(j)
    totals = np.bincount(comp, weights=area, minlength=n)
    return totals[comp] >= floor_m2


def _solve(gdf, floor_m2: float, rec: dict, out: Path, weights, neighbors, solve) -> np.ndarray:
    """Weights, drop infeasible components, solve; labels for all units (dropped = -1).

    Components whose total area is below the floor can never form a region: pygeoda's
    maxp_greedy loops forever on them and spopt's default policy links them to a feasible
    component by a non-rook join. Both tools therefore get only the feasible components.
    """
    t = time.perf_counter()
    w = weights(gdf)
    keep = _feasible(lambda i: neighbors(w, i), gdf["area_m2"].to_numpy(), floor_m2)
    sub = gdf
    if not keep.all():
        sub = gdf[keep].reset_index(drop=True)
        w = weights(sub) if len(sub) else None
    rec["time_weights_s"] = time.perf_counter() - t
    rec["dropped_units"] = int((~keep).sum())
    _write(out, rec)
    labels = np.full(len(gdf), -1, dtype=np.int64)
    t = time.perf_counter()
    if len(sub):
        labels[keep] = np.asarray(solve(sub, w), dtype=np.int64)
    rec["time_solve_s"] = time.perf_counter() - t
    return labels


def _solve_spopt(gdf, floor_m2: float, seed: int, rec: dict, out: Path) -> np.ndarray:
    import random

    import libpysal
    import spopt
    from spopt.region import MaxPHeuristic

    rec["version"] = spopt.__version__
    rec["deps"]["libpysal"] = libpysal.__version__
    rec["params"] = {"top_n": SPOPT_TOP_N, "max_iterations_construction": SPOPT_ITER_CONSTRUCTION}
    cols = [c for c in gdf.columns if c.startswith("x")]

    def solve(sub, w):
        # spopt draws from numpy's and Python's global generators.
        np.random.seed(seed)
        random.seed(seed)
        model = MaxPHeuristic(sub, w, cols, "area_m2", floor_m2, top_n=SPOPT_TOP_N,
                              max_iterations_construction=SPOPT_ITER_CONSTRUCTION)
        model.solve()
        return model.labels_

    return _solve(gdf, floor_m2, rec, out,
                  weights=lambda g: libpysal.weights.Rook.from_dataframe(g, use_index=False, silence_warnings=True),
                  neighbors=lambda w, i: w.neighbors[i], solve=solve)


def _solve_pygeoda(gdf, floor_m2: float, seed: int, rec: dict, out: Path) -> np.ndarray:
    import pygeoda

    rec["version"] = pygeoda.__version__
    threads = os.cpu_count() or 1
    rec["params"] = {"iterations": PYGEODA_ITERATIONS, "cpu_threads": threads}
    cols = [c for c in gdf.columns if c.startswith("x")]

    def solve(sub, w):
        res = pygeoda.maxp_greedy(w, sub[cols], bound_variable=sub["area_m2"], min_bound=floor_m2,
                                  iterations=PYGEODA_ITERATIONS, random_seed=seed, cpu_threads=threads)
        return res["Clusters"]

    # pygeoda.open needs a RangeIndex: it indexes gdf.geometry by label.
    return _solve(gdf, floor_m2, rec, out, weights=lambda g: pygeoda.rook_weights(pygeoda.open(g)),
                  neighbors=lambda w, i: w.get_neighbors(i), solve=solve)


def _write(path: Path, rec: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(rec))
    os.replace(tmp, path)


def worker(inp: Path, out: Path, tool: str, timeout_s: float) -> int:
    """Build rook contiguity and run max-p with one tool; write the result JSON to ``out``."""
    # Backstop if the parent dies: SIGALRM's default action terminates the process even inside C code.
    if hasattr(signal, "alarm"):
        signal.alarm(int(math.ceil(timeout_s)) + 60)
    rec = {"tool": tool, "version": None, "n": 0, "time_load_s": None, "time_weights_s": None,
           "time_solve_s": None, "dropped_units": None, "labels": None, "n_regions": None, "error": "incomplete", "deps": {}}
    try:
        import geopandas as gpd
        import shapely

        data = np.load(inp, allow_pickle=True)
        rec["deps"].update(numpy=np.__version__, geopandas=gpd.__version__, shapely=shapely.__version__)
        t = time.perf_counter()
        geoms = shapely.from_wkb(np.asarray(data["wkb"], dtype=object))
        x = np.asarray(data["attrs"], dtype=np.float64).reshape(len(geoms), -1)
        cols = {f"x{j}": x[:, j] for j in range(x.shape[1])}
        gdf = gpd.GeoDataFrame({**cols, "area_m2": np.asarray(data["area_m2"], dtype=np.float64)}, geometry=geoms)
        rec["n"] = len(gdf)
        rec["time_load_s"] = time.perf_counter() - t
        floor_m2, seed = float(data["floor_m2"]), int(data["seed"])
        solve = {"spopt": _solve_spopt, "pygeoda": _solve_pygeoda}[tool]
        labels = _normalise(solve(gdf, floor_m2, seed, rec, out))
        rec["labels"] = labels
        rec["n_regions"] = len({v for v in labels if v >= 0})
        rec["error"] = None
    except Exception as exc:  # noqa: BLE001 - reported in the JSON
        rec["error"] = f"{type(exc).__name__}: {exc}"
    _write(out, rec)
    return 0 if rec["error"] is None else 1


# --------------------------------------------------------------------------- self-test


def _check_grid(labels, size: int, cell_area: float, floor_m2: float) -> list:
    """Problems with a grid solution: unassigned cells, regions under the floor or not rook-connected."""
    lab = np.asarray(labels).reshape(size, size)
    problems = []
    if (lab < 0).any():
        problems.append(f"{int((lab < 0).sum())} unassigned cells")
    for r in np.unique(lab[lab >= 0]):
        cells = set(zip(*np.nonzero(lab == r)))
        if len(cells) * cell_area < floor_m2:
            problems.append(f"region {r}: area {len(cells) * cell_area:g} < floor {floor_m2:g}")
        start = next(iter(cells))
        seen, todo = {start}, [start]
        while todo:
            i, j = todo.pop()
            for nb in ((i + 1, j), (i - 1, j), (i, j + 1), (i, j - 1)):
                if nb in cells and nb not in seen:
                    seen.add(nb)
                    todo.append(nb)
        if len(seen) != len(cells):
            problems.append(f"region {r}: not contiguous ({len(seen)} of {len(cells)} cells reachable)")
    return problems


def selftest(size: int, floor_cells: int, timeout_s: float, tools, seed: int = 42) -> int:
    import shapely

    cell = 100.0
    # Row-major grid of 100 m squares; id = row * size + col.
    jj, ii = np.meshgrid(np.arange(size), np.arange(size))
    x0, y0 = jj.ravel() * cell, ii.ravel() * cell
    polys = shapely.box(x0, y0, x0 + cell, y0 + cell)
    wkb = shapely.to_wkb(polys)
    area = shapely.area(polys)
    rng = np.random.default_rng(seed)
    # Two smooth fields plus noise, so homogeneous regions exist.
    attrs = np.column_stack([np.sin(x0 / (size * cell) * 3) + 0.1 * rng.standard_normal(size * size),
                             y0 / (size * cell) + 0.1 * rng.standard_normal(size * size)])
    floor_m2 = floor_cells * cell * cell
    print(f"selftest: {size}x{size} grid ({size * size} units), floor {floor_m2:g} m2 ({floor_cells} cells)")
    ok = True
    for tool in tools:
        t = time.perf_counter()
        res = run_maxp(tool, wkb, area, attrs, floor_m2, seed, timeout_s, ROOT)
        wall = time.perf_counter() - t
        if res.get("error"):
            ok = False
            print(f"  {tool}: ERROR {res['error']} (weights {res.get('time_weights_s')}, wall {wall:.1f} s)")
            continue
        problems = _check_grid(res["labels"], size, cell * cell, floor_m2)
        ok = ok and not problems
        print(f"  {tool} {res['version']}: {res['n_regions']} regions, load {res['time_load_s']:.3f} s, "
              f"weights {res['time_weights_s']:.3f} s, solve {res['time_solve_s']:.3f} s, wall {wall:.1f} s, "
              + ("checks OK" if not problems else "PROBLEMS: " + "; ".join(problems[:5])))
    return 0 if ok else 1


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("worker", help="run one tool (inside the bench venv)")
    w.add_argument("inp", type=Path)
    w.add_argument("out", type=Path)
    w.add_argument("--tool", choices=TOOLS, required=True)
    w.add_argument("--timeout", type=float, required=True)
    s = sub.add_parser("selftest", help="grid self-test of both tools")
    s.add_argument("--size", type=int, default=10)
    s.add_argument("--floor-cells", type=int, default=5)
    s.add_argument("--timeout", type=float, default=600)
    s.add_argument("--tools", default=",".join(TOOLS))
    sub.add_parser("ensure-env", help="create the bench venv only")
    a = ap.parse_args(argv)
    if a.cmd == "worker":
        return worker(a.inp, a.out, a.tool, a.timeout)
    if a.cmd == "ensure-env":
        print(ensure_env(ROOT))
        return 0
    return selftest(a.size, a.floor_cells, a.timeout, [t for t in a.tools.split(",") if t])


if __name__ == "__main__":
    sys.exit(main())
