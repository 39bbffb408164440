"""Every page the access matrix renders, for every role, is well-formed for people and
assistive technology: a language, a plain-text title, one h1, a label for every field."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest

from tests.security.matrix import ROLES, run

LABELLED_BY_THEMSELVES = {"hidden", "submit", "button", "reset", "image"}


class PageOutline(HTMLParser):
    """What the checks need of a page, read in one pass."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lang = None
        self.title_parts: list[str] = []
        self.tags_in_title = 0
        self.h1 = 0
        self.labels_for: set[str] = set()
        self.fields: list[tuple[str, dict]] = []
        self._open: list[str] = []
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if self._in_title:
            self.tags_in_title += 1
        if tag == "html":
            self.lang = a.get("lang")
        elif tag == "title":
            self._in_title = True
        elif tag == "h1":
            self.h1 += 1
        elif tag == "label":
            if a.get("for"):
                self.labels_for.add(a["for"])
            self._open.append("label")
        elif tag in ("input", "select", "textarea"):
            if tag == "input" and (a.get("type") or "text") in LABELLED_BY_THEMSELVES:
                return
            self.fields.append((tag, {**a, "_in_label": "label" in self._open}))

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        elif tag == "label" and "label" in self._open:
            self._open.remove("label")

    def handle_data(self, data):
        if self._in_title:
            self.title_parts.append(data)


def problems_of(path: str, html: str) -> list[str]:
    page = PageOutline()
    page.feed(html)
    found = []
    if page.lang not in ("fr", "en"):
        found.append(f"{path}: <html lang> is {page.lang!r}")
    title = " ".join("".join(page.title_parts).split())
    if not title or page.tags_in_title:
        found.append(f"{path}: the <title> is {title!r} with {page.tags_in_title} tag(s) inside")
    if page.h1 != 1:
        found.append(f"{path}: {page.h1} <h1>, expected one")
    for tag, a in page.fields:
        named = (a["_in_label"] or a.get("id") in page.labels_for or a.get("aria-label")
                 or a.get("aria-labelledby") or a.get("title"))
        if not named:
            found.append(f"{path}: <{tag} name={a.get('name')!r}> has no label")
    return found


@pytest.mark.parametrize("role", ROLES)
def test_every_page_has_a_language_a_title_one_h1_and_labelled_fields(app, matrix, role):
    outcome = run(app, matrix, role, safe_only=True)
    assert outcome.pages, "no page rendered"
    problems = sorted({p for path, html in outcome.pages for p in problems_of(path, html)})
    assert not problems, "\n".join([f"{len(problems)} problem(s):", *problems])


def test_the_checks_see_what_they_look_for():
    bad = ('<html><head><title>Mon foyer<h2>x</h2></title></head><body>'
           '<input name="q"><h1>a</h1><h1>b</h1></body></html>')
    found = problems_of("/x", bad)
    assert len(found) == 4, found
    good = ('<html lang="fr"><head><title>Mon foyer</title></head><body><h1>a</h1>'
            '<label for="q">Q</label><input id="q" name="q"><label><input type="checkbox" '
            'name="c"> C</label><input type="hidden" name="h"></body></html>')
    assert problems_of("/y", good) == []
