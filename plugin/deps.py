"""Check the third-party Python packages GuotuKit needs, without importing core.

The plugin must load (menu, provider, help) even when a dependency is missing; the
algorithms then refuse to run with the sentence from :func:`missing_message`.
"""
from __future__ import annotations

import importlib
from typing import List, Tuple

# (import name, pip name, minimum version or None, what it is for)
REQUIRED: List[Tuple[str, str, str, str]] = [
    ("pandas", "pandas", "1.1", "tables"),
    ("shapely", "shapely", "2.0", "geometry engine"),
    ("openpyxl", "openpyxl", "3.0", "Excel reports"),
    ("numpy", "numpy", "1.20", "arrays"),
]


def _version_tuple(text: str):
    parts = []
    for piece in str(text).split(".")[:3]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def missing_dependencies() -> List[str]:
    """Names (with the version found) of missing or too-old packages; empty when all is well."""
    missing = []
    for mod_name, pip_name, minimum, _purpose in REQUIRED:
        try:
            mod = importlib.import_module(mod_name)
        except Exception:  # ImportError, or a broken binary wheel
            missing.append(f"{pip_name}>={minimum}" if minimum else pip_name)
            continue
        found = getattr(mod, "__version__", "0")
        if minimum and _version_tuple(found) < _version_tuple(minimum):
            missing.append(f"{pip_name}>={minimum} (found {found})")
    return missing


def missing_message(missing: List[str] = None) -> str:
    """A sentence a planner can act on, in Chinese and English."""
    missing = missing_dependencies() if missing is None else missing
    if not missing:
        return ""
    pkgs = " ".join(m.split(" ")[0] for m in missing)
    return (
        f"GuotuKit 缺少 Python 依赖：{', '.join(missing)}。"
        f"Windows：以管理员身份打开 OSGeo4W Shell，运行  python -m pip install {pkgs}  后重启 QGIS；"
        f"Linux：python3 -m pip install --user {pkgs}（或把含这些包的虚拟环境 site-packages 加入 PYTHONPATH）。\n"
        f"GuotuKit needs these Python packages in QGIS's Python: {', '.join(missing)}. "
        f"On Windows open the OSGeo4W Shell as administrator and run: python -m pip install {pkgs} "
        f"then restart QGIS. On Linux: python3 -m pip install --user {pkgs}."
    )
