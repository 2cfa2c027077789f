"""Run QGIS's command-line ``qgis_process.bin`` with the GuotuKit plugin enabled.

Debian's ``qgis_process`` wrapper is broken on QGIS 3.22, so the binary is called
directly, with QGIS_PLUGINPATH pointing at a folder that holds ``guotukit`` and a
throwaway QGIS_CUSTOM_CONFIG_PATH so the user's profile is never touched.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path
from typing import Dict, List, Optional

ROOT = Path(__file__).resolve().parents[1]
PLUGINS = ROOT / ".build" / "plugins"


def binary() -> str:
    for name in ("qgis_process.bin", "qgis_process"):
        path = shutil.which(name) or (f"/usr/bin/{name}" if os.path.exists(f"/usr/bin/{name}") else None)
        if path:
            return path
    raise FileNotFoundError("qgis_process.bin not found: install Debian's qgis package (make deps)")


def environment(config_dir: str) -> Dict[str, str]:
    PLUGINS.mkdir(parents=True, exist_ok=True)
    link = PLUGINS / "guotukit"
    if not link.exists():
        link.symlink_to(ROOT, target_is_directory=True)
    env = dict(os.environ)
    env["QGIS_PLUGINPATH"] = str(PLUGINS)
    env["QGIS_CUSTOM_CONFIG_PATH"] = config_dir
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    runtime = env.setdefault("XDG_RUNTIME_DIR", f"/tmp/runtime-{os.getuid()}")
    os.makedirs(runtime, mode=0o700, exist_ok=True)
    # QGIS's embedded Python must see the venv's shapely>=2 before Debian's shapely 1.8.
    site = sysconfig.get_paths()["purelib"]
    parts = [site] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and p != site]
    env["PYTHONPATH"] = os.pathsep.join(parts)
    return env


class QgisProcess:
    """One throwaway QGIS profile with GuotuKit enabled; call :meth:`run` as often as needed."""

    def __init__(self, config_dir: Optional[str] = None):
        self._tmp = None
        if config_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="guotukit-qgis-")
            config_dir = self._tmp.name
        self.env = environment(config_dir)
        self.exe = binary()
        self._enabled = False

    def call(self, args: List[str], timeout: int = 1800) -> subprocess.CompletedProcess:
        return subprocess.run([self.exe] + args, env=self.env, capture_output=True, text=True, timeout=timeout)

    def enable_plugin(self) -> subprocess.CompletedProcess:
        out = self.call(["plugins", "enable", "guotukit"])
        self._enabled = out.returncode == 0
        return out

    def run(self, alg: str, params: Dict[str, object], timeout: int = 1800) -> dict:
        if not self._enabled:
            out = self.enable_plugin()
            if out.returncode != 0:
                raise RuntimeError(f"qgis_process plugins enable guotukit failed:\n{out.stdout}\n{out.stderr}")
        # a list (several layers) is given as the same KEY repeated, as qgis_process expects
        args = ["run", alg, "--json", "--"] + [f"{k}={x}" for k, v in params.items()
                                                for x in (v if isinstance(v, (list, tuple)) else [v])]
        out = self.call(args, timeout=timeout)
        text = out.stdout
        start = text.find("{")
        data = json.loads(text[start:]) if start >= 0 else {}
        data["_returncode"] = out.returncode
        data["_stderr"] = out.stderr
        if out.returncode != 0:
            raise RuntimeError(f"qgis_process run {alg} failed ({out.returncode}):\n{out.stdout[-4000:]}\n{out.stderr[-4000:]}")
        return data

    def close(self):
        if self._tmp is not None:
            self._tmp.cleanup()


if __name__ == "__main__":  # pass-through: python -m tools.qgis_process list
    qp = QgisProcess()
    qp.enable_plugin()
    res = qp.call(sys.argv[1:])
    sys.stdout.write(res.stdout)
    sys.stderr.write(res.stderr)
    sys.exit(res.returncode)
