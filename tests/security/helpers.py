"""Helpers of the security suite: a snapshot of every table, the forms of a page."""
from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

from sqlalchemy import text

import tracker.models  # noqa: F401  (its tables are part of the metadata we snapshot)
from tracker.models import Base


def snapshot(app) -> dict[str, object]:
    """Every table's rows (or, on PostgreSQL, their digest): equal snapshots, unchanged data."""
    tables = Base.metadata.sorted_tables
    with app.extensions["zw_db"].session() as s:
        if s.bind.dialect.name == "postgresql":  # one round trip instead of one per table
            digests = ", ".join(
                f"(SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
                f'FROM "{t.name}" t) AS "{t.name}"' for t in tables)
            return dict(s.execute(text(f"SELECT {digests}")).mappings().one())
        conn = s.connection()
        return {t.name: sorted(map(repr, conn.exec_driver_sql(f'SELECT * FROM "{t.name}"')))
                for t in tables}


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(name for name in set(before) | set(after)
                  if before.get(name) != after.get(name))


@dataclass
class Form:
    method: str
    action: str | None
    fields: list[tuple[str, str]] = field(default_factory=list)

    @property
    def has_csrf_token(self) -> bool:
        return any(name == "csrf_token" and value for name, value in self.fields)

    def data_without_csrf(self) -> list[tuple[str, str]]:
        return [(n, v) for n, v in self.fields if n != "csrf_token"]


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._select_value: str | None = None
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self._form = Form((a.get("method") or "get").lower(), a.get("action"))
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button", "image", "file"):
                self._form.fields.append((a["name"], a.get("value", "on" if kind in
                                                          ("checkbox", "radio") else "")))
        elif tag == "select" and a.get("name"):
            self._select, self._select_value = a["name"], None
        elif tag == "option" and self._select is not None:
            if self._select_value is None or "selected" in a:
                self._select_value = a.get("value", "")
        elif tag == "textarea" and a.get("name"):
            self._textarea, self._text = a["name"], ""
        elif tag == "button" and a.get("name") and a.get("type", "submit") == "submit":
            self._form.fields.append((a["name"], a.get("value", "")))

    def handle_data(self, data):
        if self._textarea is not None:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None and self._form is not None:
            self._form.fields.append((self._select, self._select_value or ""))
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            self._form.fields.append((self._textarea, self._text))
            self._textarea = None


def forms_of(html: str) -> list[Form]:
    """The forms of a page with the values a browser would send (checked boxes, selections)."""
    parser = _FormParser()
    parser.feed(html)
    return parser.forms
