"""The Content-Security-Policy lets scripts come from this site only, and nothing needs more.

`script-src 'self'`: no inline script, no inline event handler (`onclick=...`), no
`javascript:` URL, no `eval`. Every template and every page the access matrix renders is
scanned for those, and the site's own scripts for `eval`; a real browser checks the rest
(tests/browser/test_csp.py).
"""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.security.matrix import ROLES, run

TRACKER = Path(__file__).resolve().parents[2] / "tracker"
#: <script> types that are data, never executed (a chart's figure, see figure_html).
DATA_TYPES = {"application/json", "application/ld+json"}
#: URL schemes that run code when followed (after removing what browsers ignore in a URL).
CODE_URL = re.compile(r"^(?:javascript|vbscript|data:text/html)", re.I)
IGNORED_IN_URLS = re.compile(r"[\x00-\x20]")
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster",
                  "background", "srcdoc"}


def directives(csp: str) -> dict[str, list[str]]:
    """`default-src 'self'; script-src ...` as {directive: [sources]}."""
    found = {}
    for part in csp.split(";"):
        words = part.split()
        if words:
            found[words[0].lower()] = words[1:]
    return found


class InlineCode(HTMLParser):
    """Inline scripts, inline event handlers and javascript: URLs of an HTML text (or template)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...> (inline event handler)")
            elif name in URL_ATTRIBUTES and value and CODE_URL.match(IGNORED_IN_URLS.sub("", value)):
                self.found.append(f"<{tag} {name}={value[:40]!r}> (code in a URL)")
        if tag == "script" and not a.get("src"):
            kind = (a.get("type") or "text/javascript").strip().lower()
            if kind not in DATA_TYPES:
                self.found.append(f"<script type={kind!r}> without src (inline script)")


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    parser.close()
    return parser.found


def test_the_scanner_sees_what_it_looks_for():
    bad = ('<script>alert(1)</script><script type="module">x()</script>'
           '<button onclick="go()">a</button><body onload="x()">'
           '<a href=" java\tscript:alert(1)">b</a><form action="JavaScript:x()"></form>')
    assert len(inline_code(bad)) == 6, inline_code(bad)
    good = ('<script src="/static/js/page.js" defer></script>'
            '<script type="application/json" data-plotly-figure="c">{"data": []}</script>'
            '<button data-print>a</button><a href="/javascript-guide">b</a>'
            '<input data-select-on-focus value="javascript: is a word">')
    assert inline_code(good) == []


@pytest.mark.parametrize("path", ["/connexion", "/pesee", "/progres", "/sw.js",
                                  "/static/js/charts.js", "/nulle-part", "/api/v1/me"])
def test_scripts_come_from_this_site_only(client, world, now_in_edition, path):
    policy = directives(client.get(path).headers["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"], policy
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert "script-src-elem" not in policy and "script-src-attr" not in policy
    # plotly.js styles its drawing inline (see the CSP's comment): styles only, never scripts
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]


def test_no_template_holds_inline_code():
    templates = sorted(TRACKER.joinpath("templates").rglob("*.html"))
    assert len(templates) > 50, "the templates were not found"
    found = [f"{t.relative_to(TRACKER)}: {p}" for t in templates
             for p in inline_code(t.read_text(encoding="utf-8"))]
    assert not found, "\n".join(found)


def test_the_sites_scripts_evaluate_no_strings():
    """No eval, new Function or string timers in our own scripts (plotly's strict build is
    tested in tests/staff/test_charts.py and in a browser)."""
    scripts = [p for p in TRACKER.joinpath("static").rglob("*.js") if "vendor" not in p.parts]
    assert len(scripts) >= 5, scripts
    evaluating = re.compile(r"\beval\s*\(|\bnew\s+Function\b|\bFunction\s*\("
                            r"|\bset(?:Timeout|Interval)\s*\(\s*['\"`]")
    found = [f"{p.relative_to(TRACKER)}: {m.group(0)}" for p in scripts
             for m in evaluating.finditer(p.read_text(encoding="utf-8"))]
    assert not found, found


@pytest.mark.parametrize("role", [r for r in ROLES if r != "durand"])
def test_no_rendered_page_holds_inline_code(app, matrix, role):
    """What Python code adds to pages (charts, Markup helpers) too, on every page of the
    access matrix."""
    outcome = run(app, matrix, role, safe_only=True)
    assert len(outcome.pages) >= 3, "too few pages rendered"
    if role != "anonymous":  # the scan reads the pages with charts too
        assert any("data-plotly-figure" in html for _, html in outcome.pages), role
    found = sorted({f"{path}: {p}" for path, html in outcome.pages for p in inline_code(html)})
    assert not found, "\n".join(found)
