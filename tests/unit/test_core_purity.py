"""core/ must import without QGIS or PyQt (DESIGN §2): checked in a fresh interpreter."""
import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_core_modules_do_not_import_qgis():
    modules = sorted(".".join(p.relative_to(ROOT / "core").with_suffix("").parts).replace(".__init__", "")
                     for p in (ROOT / "core").rglob("*.py") if p.name != "__init__.py" or p.parent != ROOT / "core")
    assert "registry" in modules and "structure.ledger" in modules  # subpackages included
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module('core.' + m)\n"
        "bad = sorted(k for k in sys.modules if k.split('.')[0] in ('qgis', 'PyQt5', 'processing'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"core imports {out.stdout.strip()}"


def test_core_uses_relative_imports_only():
    """Inside the installed plugin the package is 'guotukit.core', so 'import core' would fail in QGIS."""
    offenders = []
    for path in (ROOT / "core").rglob("*.py"):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            s = line.strip()
            if s.startswith(("from core", "import core")):
                offenders.append(f"{path.name}:{n}: {s}")
    assert offenders == []


JOBS = ("structure", "compliance", "packages", "monitoring")
# the modules that compute exact figures, per job (default: compute.py)
COMPUTE = {"monitoring": ("change.py", "indicators.py", "surveyfit.py")}
ROUNDING = {"round_half_up", "balance_remainders", "rhu", "rhu_array", "convert_area"}


def _imports(path: Path):
    """(module, names) of every from-import in ``path`` (relative, as written: '.ledger', '..excel')."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            out.append(("." * node.level + (node.module or ""), {a.name for a in node.names}))
    return out


def test_figures_flow_compute_ledger_report():
    """Issue 12: in every job package the figures flow one way — compute → ledger → report.  The report
    reads the ledger (and the job's vocabulary, rules), never compute internals, and never rounds; the
    ledger never reaches back into the report; compute knows neither."""
    for job in JOBS:
        pkg = ROOT / "core" / job
        assert (pkg / "ledger.py").exists() and (pkg / "report.py").exists(), job
        report = _imports(pkg / "report.py")
        assert {m for m, _ in report if m.startswith(".") and not m.startswith("..")} <= {".ledger", ".rules"}, job
        for module, names in report:
            assert not (names & ROUNDING), (job, module, names & ROUNDING)
        assert all(m not in (".report",) for m, _ in _imports(pkg / "ledger.py")), job
        for module in COMPUTE.get(job, ("compute.py",)):
            assert all(m not in (".ledger", ".report") for m, _ in _imports(pkg / module)), (job, module)
            assert not any(names & ROUNDING for _m, names in _imports(pkg / module)), (job, module)
