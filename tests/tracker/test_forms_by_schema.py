"""No view parses a posted form by hand (issue 15: every form through a schema).

The pages read their posts through Flask-WTF forms (tracker/web/common/forms.py has the shared
fields) or a marshmallow schema; `request.form` and `request.values` (which holds the form too)
are read only by the rate limiter, which counts posts before any view runs.
"""
from __future__ import annotations

import ast
import pathlib
import textwrap

ROOT = pathlib.Path(__file__).resolve().parents[2]
WEB = ROOT / "tracker" / "web"
#: The one module allowed to read the raw form: it decides rate-limit accounting.
ALLOWED = {WEB / "common" / "ratelimit.py"}
RAW = {"form", "values"}


def raw_form_reads(source: str) -> list[int]:
    """Lines of `source` that read the posted form by hand (`request.form`, `request.values`,
    also through `flask.request` or an alias of `request`)."""
    tree = ast.parse(source)
    names = {"request"}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "flask":
            names |= {alias.asname or alias.name for alias in node.names
                      if alias.name == "request"}
    lines = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and node.attr in RAW):
            continue
        owner = node.value
        if isinstance(owner, ast.Name) and owner.id in names:
            lines.append(node.lineno)
        elif (isinstance(owner, ast.Attribute) and owner.attr == "request"
              and isinstance(owner.value, ast.Name) and owner.value.id == "flask"):
            lines.append(node.lineno)
    return sorted(lines)


def test_the_scan_finds_every_way_of_reading_the_form_by_hand():
    source = textwrap.dedent("""
        import flask
        from flask import request as rq
        from flask import request
        a = request.form.get("x")
        b = rq.values.get("y", type=int)
        c = flask.request.form.getlist("z")
        d = request.args.get("page")      # the query string: allowed
        e = form.values                    # a form object's attribute: allowed
    """)
    assert raw_form_reads(source) == [5, 6, 7]


def test_no_module_under_tracker_web_reads_request_form():
    found = {str(path.relative_to(ROOT)): lines
             for path in sorted(WEB.rglob("*.py")) if path not in ALLOWED
             for lines in [raw_form_reads(path.read_text(encoding="utf-8"))] if lines}
    assert found == {}, ("read the post through a Flask-WTF form or a schema "
                         f"(tracker/web/common/forms.py), not by hand: {found}")


def test_the_hand_helpers_are_gone():
    from tracker.web.common import forms

    assert not {"form_text", "form_int", "form_bool"} & set(vars(forms))
