"""Version and dependency report shown by the About menu entry."""
from __future__ import annotations

import configparser
import os

from .deps import missing_dependencies, missing_message
from .i18n import tr

PLUGIN_DIR = os.path.dirname(os.path.dirname(__file__))


def plugin_version() -> str:
    cfg = configparser.ConfigParser()
    cfg.read(os.path.join(PLUGIN_DIR, "metadata.txt"), encoding="utf-8")
    return cfg.get("general", "version", fallback="unknown")


def data_versions() -> list:
    """What the algorithms use by default, with the versions the files declare: rule profile, structure
    templates, unit-price table and classification tables (a line each; a line saying why on failure)."""
    lines = []
    try:
        from ..core.compliance import DEFAULT_PROFILE, RuleProfile

        prof = RuleProfile.load(DEFAULT_PROFILE)
        lines.append(f"{tr('Rule profile')}: {prof.name} ({prof.version}), {len(prof.rules)} {tr('rules')}")
    except Exception as exc:  # noqa: BLE001 - About must open whatever is broken
        lines.append(f"{tr('Rule profile')}: {exc}")
    try:
        from ..core.structure.compute import StructureTemplate, list_templates

        for _name, path in list_templates():
            t = StructureTemplate.load(path)
            lines.append(f"{tr('Structure template')}: {t.label}")
    except Exception as exc:  # noqa: BLE001
        lines.append(f"{tr('Structure template')}: {exc}")
    try:
        from ..core.finance import FinanceTable

        lines.append(f"{tr('Unit-price table')}: {FinanceTable.example_table().label}")
    except Exception as exc:  # noqa: BLE001
        lines.append(f"{tr('Unit-price table')}: {exc}")
    folder = os.path.join(PLUGIN_DIR, "data", "classification")
    for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
        if name.endswith(".csv"):
            with open(os.path.join(folder, name), encoding="utf-8-sig") as fh:
                rows = sum(1 for line in fh if line.strip() and not line.startswith("#")) - 1
            lines.append(f"{tr('Code table')}: {name} ({rows} {tr('rows')})")
    return lines


def about_text() -> str:
    from .i18n import ui_language

    missing = missing_dependencies()
    status = missing_message(missing) if missing else tr("All Python dependencies are available.")
    language = {"zh": "中文", "en": "English"}[ui_language()]
    lang = tr("Language: {0} (setting GuotuKit/language: auto, zh or en)").format(language)
    return f"GuotuKit {plugin_version()}\n{lang}\n\n{status}\n\n" + "\n".join(data_versions())
