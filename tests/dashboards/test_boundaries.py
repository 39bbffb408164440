"""dashboards/ stays a pure pandas package: no Flask, SQLAlchemy, paho or tracker. The import
statements are checked by import-linter (.importlinter, tests/tracker/test_layers.py); here, what
importing the package actually loads."""
from __future__ import annotations

import pathlib
import subprocess
import sys

FORBIDDEN = {"flask", "sqlalchemy", "paho", "tracker", "flask_babel", "alembic", "marshmallow"}
ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_importing_every_module_pulls_in_nothing_forbidden():
    code = (
        "import sys, dashboards, dashboards.method, dashboards.export, dashboards.figures, "
        "dashboards.sentences\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {sorted(FORBIDDEN)!r})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == ""
