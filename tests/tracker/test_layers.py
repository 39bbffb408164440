"""The layer rules (docs/architecture.md), checked by import-linter's contracts in .importlinter:
domain <- models <- services <- entry points (web, CLI, ingest, apart from each other);
dashboards free of Flask and SQLAlchemy; firmware_bridge free of everything but paho."""
from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _lint(*args: str) -> subprocess.CompletedProcess:
    exe = shutil.which("lint-imports", path=os.path.dirname(sys.executable)) or "lint-imports"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([exe, "--no-cache", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)


def test_the_import_contracts_are_kept():
    result = _lint()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_broken_contract_fails(tmp_path):
    """The same tool on a rule the code breaks (the web imports Flask): it says so."""
    config = tmp_path / "broken.ini"
    config.write_text("[importlinter]\nroot_packages =\n    tracker\ninclude_external_packages = "
                      "True\n\n[importlinter:contract:x]\nname = web without flask\n"
                      "type = forbidden\nsource_modules =\n    tracker.web\n"
                      "forbidden_modules =\n    flask\n", encoding="utf-8")
    result = _lint("--config", str(config))
    assert result.returncode == 1, result.stdout
    assert "tracker.web" in result.stdout and "BROKEN" in result.stdout
