"""Reasons stored in English (a flagged reading's, a dead letter's), shown in the page's language.

The services and the ingest write these reasons in English: the database, the logs and
`zw deadletters list --format json` keep one language, and the ingest runs without Flask. The
staff pages show them through the `reason` filter, which knows every form the code writes
(tests/web/test_reasons.py checks that against the code's own refusals); a form it does not
know is shown as stored. Details that come from a library (a JSON parser's message, the
fields of an invalid reading) stay as they are.
"""
from __future__ import annotations

import re

from flask import Flask
from flask_babel import gettext, lazy_gettext as _l

# (pattern of the English reason, the same in the page's language); first match wins.
_FORMS = [(re.compile(pattern), template) for pattern, template in (
    (r"over (?P<kg>\d+) kg", _l("over %(kg)s kg")),
    (r"over (?P<factor>\d+)x the household median \((?P<grams>\d+) g\)",
     _l("over %(factor)sx the household median (%(grams)s g)")),
    (r"unexpected topic", _l("unexpected topic")),
    (r"payload too large \((?P<size>\d+) bytes, limit (?P<limit>\d+)\)",
     _l("payload too large (%(size)s bytes, limit %(limit)s)")),
    (r"payload is not UTF-8 \(byte (?P<byte>\d+)\)", _l("payload is not UTF-8 (byte %(byte)s)")),
    (r"not a finite number: (?P<detail>.*)", _l("not a finite number: %(detail)s")),
    (r"bad JSON: (?P<detail>.*)", _l("bad JSON: %(detail)s")),
    (r"payload is a JSON (?P<kind>\w+), not an object",
     _l("payload is a JSON %(kind)s, not an object")),
    (r"invalid reading: (?P<detail>.*)", _l("invalid reading: %(detail)s")),
    (r"device_id (?P<claimed>'.*') in the payload does not match the topic's (?P<device>'.*')",
     _l("device_id %(claimed)s in the payload does not match the topic's %(device)s")),
    (r"unknown device (?P<device>'.*')", _l("unknown device %(device)s")),
    (r"device (?P<device>'.*') was revoked on (?P<when>[\d-]+ [\d:]+) UTC",
     _l("device %(device)s was revoked on %(when)s UTC")),
    (r"status is neither online nor offline", _l("status is neither online nor offline")),
    (r"internal error: (?P<detail>.*)", _l("internal error: %(detail)s")),
    (r"retained weigh-in \(a reading is published without retain\)",
     _l("retained weigh-in (a reading is published without retain)")),
    (r"more than (?P<limit>\d+) readings from this scale in one hour",
     _l("more than %(limit)s readings from this scale in one hour")),
)]

#: A rule of the service refused the reading: "<field>: <the rule's own message>".
_RULE = re.compile(r"(?P<field>measured_at|stream|weight|reading): (?P<message>.+)")
_FIELDS = {"measured_at": _l("date"), "stream": _l("bin"), "weight": _l("weight"),
           "reading": _l("reading")}
# The rules' messages with values in them (the others are looked up as they are).
_RULE_FORMS = [(re.compile(pattern), template) for pattern, template in (
    (r"The date is outside the challenge \((?P<start>.+) to (?P<end>.+)\)\.",
     _l("The date is outside the challenge (%(start)s to %(end)s).")),
    (r"Unknown bin: (?P<stream>.+)\.", _l("Unknown bin: %(stream)s.")),
)]


def _first(forms, text: str) -> str | None:
    for pattern, template in forms:
        match = pattern.fullmatch(text)
        if match:
            return str(template) % match.groupdict()
    return None


def reason_text(reason: str | None) -> str:
    """The reason in the current language ("" for none); unknown forms unchanged."""
    if not reason:
        return ""
    known = _first(_FORMS, reason)
    if known is not None:
        return known
    rule = _RULE.fullmatch(reason)
    if rule:  # the rule's message is one of the catalog's (the domain's `_l` messages)
        message = _first(_RULE_FORMS, rule["message"]) or gettext(rule["message"])
        return gettext("%(field)s: %(message)s", field=_FIELDS[rule["field"]], message=message)
    return reason


def init_app(app: Flask) -> None:
    app.add_template_filter(reason_text, "reason")
