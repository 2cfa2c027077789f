"""Check the third-party Python packages GuotuKit needs, without importing core.

The plugin must load (menu, provider, help) even when a dependency is missing; the
algorithms then refuse to run with the sentence from :func:`missing_message`.

Packages are checked by **capability** (the functions GuotuKit calls), not by version string: Debian's
shapely on QGIS 3.44 reports ``__version__ = "0+unknown"`` although it is shapely 2.  The message names
exactly what is missing, with a version range and ``--no-deps`` so that installing it never replaces the
numpy QGIS itself was built with.  ``requirements.txt`` in the plugin folder lists the same ranges for
the qpip plugin.
"""
from __future__ import annotations

import importlib
from typing import Callable, List, Tuple

# (import name, pip requirement, what it is for, capability test)
REQUIRED: List[Tuple[str, str, str, Callable]] = [
    ("numpy", "numpy>=1.20", "arrays", lambda m: hasattr(m, "lexsort") and hasattr(m, "bincount")),
    ("pandas", "pandas>=1.1", "tables", lambda m: hasattr(m, "DataFrame") and hasattr(m, "factorize")),
    ("shapely", "shapely>=2.0,<3", "geometry engine",
     lambda m: all(hasattr(m, n) for n in ("STRtree", "from_wkb", "intersection", "area", "relate_pattern"))),
    ("openpyxl", "openpyxl>=3.0", "Excel reports", lambda m: hasattr(m, "Workbook") and hasattr(m, "load_workbook")),
]


def missing_dependencies() -> List[str]:
    """The pip requirements of missing or unusable packages (with what was found); empty when all is well."""
    missing = []
    for mod_name, requirement, _purpose, capable in REQUIRED:
        try:
            mod = importlib.import_module(mod_name)
        except Exception:  # ImportError, or a broken binary wheel
            missing.append(requirement)
            continue
        try:
            ok = bool(capable(mod))
        except Exception:
            ok = False
        if not ok:
            missing.append(f"{requirement} (found {getattr(mod, '__version__', '?')})")
    return missing


def missing_message(missing: List[str] = None) -> str:
    """A sentence a planner can act on, in Chinese and English."""
    missing = missing_dependencies() if missing is None else missing
    if not missing:
        return ""
    reqs = " ".join(f'"{m.split(" (")[0]}"' for m in missing)
    return (
        f"GuotuKit 缺少 Python 依赖：{', '.join(missing)}。"
        f"Windows：以管理员身份打开 OSGeo4W Shell，运行  python -m pip install --no-deps {reqs}  后重启 QGIS"
        f"（--no-deps：不改动 QGIS 自带的 numpy 等包；也可用 QPIP 插件按 requirements.txt 安装）；"
        f"Linux：python3 -m pip install --user --no-deps {reqs}（或用发行版的 python3-shapely 等软件包）。\n"
        f"GuotuKit needs these Python packages in QGIS's Python: {', '.join(missing)}. "
        f"On Windows open the OSGeo4W Shell as administrator and run: python -m pip install --no-deps {reqs} "
        f"then restart QGIS (--no-deps keeps QGIS's own numpy; the QPIP plugin can install requirements.txt). "
        f"On Linux: python3 -m pip install --user --no-deps {reqs}."
    )

