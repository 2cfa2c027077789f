"""GuotuKit domain engine.

Everything in this package is importable without QGIS: classification registry,
area accounting and rounding, structure tables, compliance overlay, asset packages
and Excel report writers. The QGIS side (processing_provider, forms, plugin) is a
thin adapter on top of it.
"""
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PACKAGE_ROOT / "data"
