"""Reasons stored in English (a flagged reading's, a dead letter's), shown in the page's language.

The services and the ingest write these reasons in English: the database, the logs and
`zw deadletters list --format json` keep one language, and the ingest runs without Flask. The
staff pages show them through the `reason` filter, which knows every form the code writes
(tests/web/test_reasons.py checks that against the code's own refusals); a form it does not
know is shown as stored. Details that come from a library (a JSON parser's message, the
fields of an invalid reading) are put in words where their form is known. `reason_help` says
what each kind of refusal means and what staff can do (HELP).
"""
from __future__ import annotations

import json
import re

from flask import Flask
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

# (kind, pattern of the English reason, the same in the page's language); first match wins.
_FORMS = [(kind, re.compile(pattern), template) for kind, pattern, template in (
    ("flag", r"over (?P<kg>\d+) kg", _l("over %(kg)s kg")),
    ("flag", r"over (?P<factor>\d+)x the household median \((?P<grams>\d+) g\)",
     _l("over %(factor)sx the household median (%(grams)s g)")),
    ("topic", r"unexpected topic", _l("unexpected topic")),
    ("format", r"payload too large \((?P<size>\d+) bytes, limit (?P<limit>\d+)\)",
     _l("payload too large (%(size)s bytes, limit %(limit)s)")),
    ("format", r"payload is not UTF-8 \(byte (?P<byte>\d+)\)",
     _l("payload is not UTF-8 (byte %(byte)s)")),
    ("format", r"not a finite number: (?P<detail>.*)", _l("not a finite number: %(detail)s")),
    ("format", r"bad JSON: (?P<detail>.*)", _l("bad JSON: %(detail)s")),
    ("format", r"payload is a JSON (?P<kind>\w+), not an object",
     _l("payload is a JSON %(kind)s, not an object")),
    ("format", r"invalid reading: (?P<detail>.*)", _l("invalid reading: %(detail)s")),
    ("mismatch",
     r"device_id (?P<claimed>'.*') in the payload does not match the topic's (?P<device>'.*')",
     _l("device_id %(claimed)s in the payload does not match the topic's %(device)s")),
    ("unknown_device", r"unknown device (?P<device>'.*')", _l("unknown device %(device)s")),
    ("revoked", r"device (?P<device>'.*') was revoked on (?P<when>[\d-]+ [\d:]+) UTC",
     _l("device %(device)s was revoked on %(when)s UTC")),
    ("status", r"status is neither online nor offline", _l("status is neither online nor offline")),
    ("internal", r"internal error: (?P<detail>.*)", _l("internal error: %(detail)s")),
    ("retained", r"retained weigh-in \(a reading is published without retain\)",
     _l("retained weigh-in (a reading is published without retain)")),
    ("rate", r"more than (?P<limit>\d+) readings from this scale in one hour",
     _l("more than %(limit)s readings from this scale in one hour")),
)]

#: What each kind of refusal means and what staff can do, in words staff use.
HELP = {
    "flag": (_l("The weight is much higher than usual for this household: it does not count "
                "until someone checks it."),
             _l("Ask the household if it is right, then accept or reject the weigh-in.")),
    "topic": (_l("A message arrived on an address (MQTT topic) the tracker does not read."),
              _l("Check the topic set in the scale or the bridge: zw/scales/<scale id>/weighin.")),
    "format": (_l("The scale sent a message the tracker cannot read: its software or settings "
                  "do not match the tracker's format."),
               _l("Check the scale's settings against its pairing page. Tasmota, ESPHome and "
                  "Theengs scales must go through the firmware bridge.")),
    "mismatch": (_l("The message names another scale than the one that sent it."),
                 _l("The scale probably has a copy of another scale's settings: pair it again.")),
    "unknown_device": (_l("A scale the tracker does not know is sending weigh-ins: it was "
                          "deleted, or it uses settings from another installation."),
                       _l("Pair it on the Scales page, or switch it off.")),
    "revoked": (_l("This scale was revoked: its weigh-ins no longer count."),
                _l("If it should count again, pair it again (it gets a new password); "
                   "otherwise switch it off.")),
    "status": (_l("The scale announced a state other than online or offline."),
               _l("Check the status topic in the scale's settings; weigh-ins are not "
                  "affected.")),
    "retained": (_l("The scale published its weigh-in as a retained message, which the server "
                    "keeps and sends again at every connection: it does not count."),
                 _l("Check the scale's settings: weigh-ins are published without retain.")),
    "rate": (_l("This scale sent far more weigh-ins in one hour than a household takes out bins: "
                "the extra ones do not count until someone checks them."),
             _l("Check the scale (a loop in its settings, a faulty sensor), then accept or "
                "reject its weigh-ins.")),
    "internal": (_l("The tracker itself failed to store the message."),
                 _l("Tell the administrator, with the date shown: the message is kept here.")),
    "measured_at": (_l("The weigh-in's date is in the future or outside the challenge."),
                    _l("Check the scale's clock (time server, time zone).")),
    "stream": (_l("The bin named by the scale does not exist in this edition."),
               _l("Pair the scale again with the right bin, or fix the bin in its settings.")),
    "weight": (_l("The weight is impossible (zero, negative or over 50 kg)."),
               _l("Check the scale's tare and calibration.")),
    "reading": (_l("The weigh-in was refused by a rule of the challenge."),
                _l("Read the reason; fix the scale's settings if it repeats.")),
}

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


def _known(text: str) -> tuple[str, str] | None:
    """(kind, text in the page's language) of a known form, details translated."""
    for kind, pattern, template in _FORMS:
        match = pattern.fullmatch(text)
        if match:
            values = match.groupdict()
            if "detail" in values:
                values["detail"] = _detail(text.split(":", 1)[0], values["detail"])
            return kind, str(template) % values
    return None


# Details that come from the JSON parser or the reading's schema (marshmallow), in words.
_JSON_WHERE = re.compile(r".*line (?P<line>\d+) column (?P<column>\d+).*")
_NOT_FINITE = re.compile(r"(?P<value>\S+) is not (?:allowed|a finite number)")
_SCHEMA_FORMS = [(re.compile(pattern), template) for pattern, template in (
    (r"Missing data for required field\.", _l("missing")),
    (r"Field may not be null\.", _l("empty (null)")),
    (r"Not a valid integer\.", _l("not a whole number")),
    (r"Not a valid number\.", _l("not a number")),
    (r"Not a valid string\.", _l("not a text")),
    (r"Not a valid datetime\.", _l("not an ISO 8601 date and time")),
    (r"Not a valid aware datetime\.",
     _l("date and time without an offset (add +01:00 or Z)")),
    (r"Must be greater than or equal to (?P<low>\S+) and less than or equal to (?P<high>\S+)\.",
     _l("must be between %(low)s and %(high)s")),
    (r"Must be one of: (?P<choices>.*)\.", _l("must be one of: %(choices)s")),
    (r"Unknown field\.", _l("unknown field")),
)]
_READING_FIELDS = {"seq": _l("message number (seq)"), "ts": _l("date (ts)"),
                   "weight_g": _l("weight (weight_g)"), "stream": _l("bin (stream)"),
                   "battery_pct": _l("battery (battery_pct)"), "device_id": _l("scale (device_id)")}


def _detail(prefix: str, detail: str) -> str:
    """A library's detail of a refusal in words, or unchanged when its form is unknown."""
    if prefix == "bad JSON":
        if "BOM" in detail:
            return gettext("starts with an invisible byte order mark (BOM)")
        if "recursion" in detail:
            return gettext("nested too deeply")
        where = _JSON_WHERE.fullmatch(detail)
        if where:
            return gettext("line %(line)s, column %(column)s", **where.groupdict())
    elif prefix == "not a finite number":
        value = _NOT_FINITE.fullmatch(detail)
        if value:
            return value["value"]
    elif prefix == "invalid reading":
        try:
            fields = json.loads(detail)
        except ValueError:  # cut short at 400 characters
            return detail
        if isinstance(fields, dict):
            return "; ".join(
                gettext("%(field)s: %(message)s", field=_READING_FIELDS.get(field, field),
                        message=", ".join(
                            _first(_SCHEMA_FORMS, str(m)) or str(m)
                            for m in (messages if isinstance(messages, list) else [messages])))
                for field, messages in fields.items())
    return detail


def reason_kind(reason: str | None) -> str | None:
    """The kind of a reason (a key of HELP), or None when its form is unknown."""
    if not reason:
        return None
    for kind, pattern, _template in _FORMS:
        if pattern.fullmatch(reason):
            return kind
    rule = _RULE.fullmatch(reason)
    return rule["field"] if rule else None


def reason_help(reason: str | None) -> tuple[str, str] | None:
    """(what it means, what to do) for a reason, in the page's language; None if unknown."""
    kind = reason_kind(reason)
    return (str(HELP[kind][0]), str(HELP[kind][1])) if kind else None


def reason_text(reason: str | None) -> str:
    """The reason in the current language ("" for none); unknown forms unchanged."""
    if not reason:
        return ""
    known = _known(reason)
    if known is not None:
        return known[1]
    rule = _RULE.fullmatch(reason)
    if rule:  # the rule's message is one of the catalog's (the domain's `_l` messages)
        message = _first(_RULE_FORMS, rule["message"]) or gettext(rule["message"])
        return gettext("%(field)s: %(message)s", field=_FIELDS[rule["field"]], message=message)
    return reason


def init_app(app: Flask) -> None:
    app.add_template_filter(reason_text, "reason")
    app.add_template_filter(reason_help, "reason_help")
