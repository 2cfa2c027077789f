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


def about_text() -> str:
    missing = missing_dependencies()
    status = missing_message(missing) if missing else tr("All Python dependencies are available.")
    return f"GuotuKit {plugin_version()}\n\n{status}"
