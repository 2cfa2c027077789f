"""metadata.txt is what the QGIS plugin manager and repository read."""
import configparser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _meta():
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "metadata.txt", encoding="utf-8")
    return cfg["general"]


def test_required_fields():
    meta = _meta()
    for key in ("name", "qgisMinimumVersion", "description", "about", "version", "author", "email"):
        assert meta.get(key), key
    assert meta["name"] == "GuotuKit"
    assert meta["qgisMinimumVersion"] == "3.22"
    assert meta["hasProcessingProvider"] == "yes"
    assert meta["category"] == "Analysis"


def test_description_is_bilingual_and_icon_exists():
    meta = _meta()
    desc = meta["description"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in desc)  # Chinese
    assert "land-use" in desc or "planning" in desc  # English
    assert (ROOT / meta["icon"]).is_file()


def test_version_is_semantic():
    parts = _meta()["version"].split(".")
    assert len(parts) == 3 and all(p.isdigit() for p in parts)


def test_classfactory_is_the_only_entry_point():
    text = (ROOT / "__init__.py").read_text(encoding="utf-8")
    assert "def classFactory(iface)" in text
