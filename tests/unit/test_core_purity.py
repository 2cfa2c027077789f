"""core/ must import without QGIS or PyQt (DESIGN §2): checked in a fresh interpreter."""
import pkgutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_core_modules_do_not_import_qgis():
    modules = [m.name for m in pkgutil.iter_modules([str(ROOT / "core")])]
    assert "registry" in modules  # the registry is part of core
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
