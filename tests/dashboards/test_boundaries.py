"""dashboards/ stays a pure pandas package: no Flask, SQLAlchemy, paho or tracker."""
from __future__ import annotations

import ast
import pathlib
import subprocess
import sys

FORBIDDEN = {"flask", "sqlalchemy", "paho", "tracker", "flask_babel", "alembic", "marshmallow"}
ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_no_forbidden_import_statement():
    for path in (ROOT / "dashboards").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in FORBIDDEN, f"{path}: imports {name}"


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
