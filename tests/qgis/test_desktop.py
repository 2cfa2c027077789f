"""The real QGIS desktop (under Xvfb) loads GuotuKit with its menu, toolbar and provider."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import textwrap

import pytest

from tools.qgis_process import environment

CHECK = textwrap.dedent(
    """
    import json, os
    from qgis.utils import iface, active_plugins
    from qgis.PyQt.QtCore import QTimer
    from qgis.PyQt.QtWidgets import QMenu, QToolBar
    from qgis.core import QgsApplication

    def check():
        win = iface.mainWindow()
        menu = win.findChild(QMenu, "GuotuKitMenu")
        bar = win.findChild(QToolBar, "GuotuKitToolbar")
        res = {
            "menubar": [a.text() for a in win.menuBar().actions()],
            "entries": [a.objectName() for a in menu.actions()] if menu else [],
            "toolbar": len(bar.actions()) if bar else 0,
            "active": list(active_plugins),
            "provider": QgsApplication.processingRegistry().providerById("guotukit") is not None,
        }
        win.grab().save(os.environ["GUOTUKIT_SHOT"])
        with open(os.environ["GUOTUKIT_RESULT"], "w", encoding="utf-8") as fh:
            json.dump(res, fh, ensure_ascii=False)
        QgsApplication.exit(0)

    QTimer.singleShot(2500, check)
    """
)


@pytest.mark.slow
def test_desktop_loads_plugin_with_menu(tmp_path):
    if not shutil.which("qgis") or not shutil.which("xvfb-run"):
        pytest.fail("qgis and xvfb-run are required (make deps installs them)")
    cfg = tmp_path / "cfg"
    ini = cfg / "profiles" / "default" / "QGIS"
    ini.mkdir(parents=True)
    (ini / "QGIS3.ini").write_text("[PythonPlugins]\nguotukit=true\n", encoding="utf-8")
    script = tmp_path / "check.py"
    script.write_text(CHECK, encoding="utf-8")
    env = environment(str(cfg))
    env.pop("QT_QPA_PLATFORM", None)  # a real (virtual) X screen
    env["GUOTUKIT_RESULT"] = str(tmp_path / "res.json")
    env["GUOTUKIT_SHOT"] = str(tmp_path / "qgis.png")
    proc = subprocess.run(
        ["xvfb-run", "-a", "-s", "-screen 0 1400x900x24", "qgis", "--nologo", "--noversioncheck", "--code", str(script)],
        env=env, capture_output=True, text=True, timeout=180,
    )
    assert (tmp_path / "res.json").exists(), proc.stdout[-2000:] + proc.stderr[-2000:]
    res = json.loads((tmp_path / "res.json").read_text(encoding="utf-8"))
    assert "guotukit" in res["active"]
    assert res["provider"] is True
    assert any("GuotuKit" in m for m in res["menubar"])
    assert "guotukit:convertlandusecodes" in res["entries"]
    assert res["toolbar"] >= 1
    if os.environ.get("GUOTUKIT_KEEP_SHOT"):
        shutil.copy(tmp_path / "qgis.png", os.environ["GUOTUKIT_KEEP_SHOT"])
