"""Reasons stored as a code and its parameters (tracker.domain.reasons), shown in the page's
language.

The services and the ingest store a reason's code and parameters beside its English sentence
(the logs, the API and `zw deadletters list --format json` keep one language, and the ingest
runs without Flask). The staff pages show them through the `reason` filter: one message of
the catalog per code (MESSAGES; tests/ingest/test_reason_codes.py checks that every code has
one, in French and English). A `legacy` reason (a sentence of no known form kept before the
codes) is shown as stored. Details that come from a library (the JSON parser's position, the
schema's messages about the fields of an invalid reading) are put in words. `reason_help`
says what each kind of refusal means and what staff can do (HELP).
"""
from __future__ import annotations

from flask import Flask
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from tracker.domain.reasons import Code, kind

#: The message of each code in the page's language, formatted with the code's params (the
#: values `_values` prepares); `legacy` is its own text and `rule` the domain's message.
MESSAGES = {
    Code.FLAG_WEIGHT: _l("over %(kg)s kg"),
    Code.FLAG_MEDIAN: _l("over %(factor)sx the household median (%(grams)s g)"),
    Code.RATE: _l("more than %(limit)s readings from this scale in one hour"),
    Code.TOPIC: _l("unexpected topic"),
    Code.TOO_LARGE: _l("payload too large (%(size)s bytes, limit %(limit)s)"),
    Code.NOT_UTF8: _l("payload is not UTF-8 (byte %(byte)s)"),
    Code.NOT_FINITE: _l("not a finite number: %(detail)s"),
    Code.BAD_JSON: _l("bad JSON: %(detail)s"),
    Code.NOT_OBJECT: _l("payload is a JSON %(kind)s, not an object"),
    Code.INVALID_READING: _l("invalid reading: %(detail)s"),
    Code.MISMATCH: _l("device_id %(claimed)s in the payload does not match the topic's "
                      "%(device)s"),
    Code.UNKNOWN_DEVICE: _l("unknown device %(device)s"),
    Code.REVOKED: _l("device %(device)s was revoked on %(when)s UTC"),
    Code.STATUS: _l("status is neither online nor offline"),
    Code.INTERNAL: _l("internal error: %(detail)s"),
    Code.RETAINED: _l("retained weigh-in (a reading is published without retain)"),
    Code.RULE: _l("%(field)s: %(message)s"),
    Code.LEGACY: None,
}

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

#: The fields a rule of the domain names, in words.
_FIELDS = {"measured_at": _l("date"), "stream": _l("bin"), "weight": _l("weight"),
           "reading": _l("reading")}
#: The schema's (marshmallow's) messages about a reading's fields, in words: library text,
#: not ours (a message of another form is shown as it is).
_SCHEMA_MESSAGES = {
    "Missing data for required field.": _l("missing"),
    "Field may not be null.": _l("empty (null)"),
    "Not a valid integer.": _l("not a whole number"),
    "Not a valid number.": _l("not a number"),
    "Not a valid string.": _l("not a text"),
    "Not a valid datetime.": _l("not an ISO 8601 date and time"),
    "Not a valid aware datetime.": _l("date and time without an offset (add +01:00 or Z)"),
    "Unknown field.": _l("unknown field"),
}
_BETWEEN = ("Must be greater than or equal to ", " and less than or equal to ")
_ONE_OF = "Must be one of: "
_READING_FIELDS = {"seq": _l("message number (seq)"), "ts": _l("date (ts)"),
                   "weight_g": _l("weight (weight_g)"), "stream": _l("bin (stream)"),
                   "battery_pct": _l("battery (battery_pct)"), "device_id": _l("scale (device_id)")}


def _schema_message(message: str) -> str:
    if message in _SCHEMA_MESSAGES:
        return str(_SCHEMA_MESSAGES[message])
    if message.startswith(_BETWEEN[0]) and _BETWEEN[1] in message and message.endswith("."):
        low, high = message[len(_BETWEEN[0]):-1].split(_BETWEEN[1], 1)
        return gettext("must be between %(low)s and %(high)s", low=low, high=high)
    if message.startswith(_ONE_OF) and message.endswith("."):
        return gettext("must be one of: %(choices)s", choices=message[len(_ONE_OF):-1])
    return message


def _json_detail(params: dict) -> str:
    problem = params.get("problem")
    if problem == "bom":
        return gettext("starts with an invisible byte order mark (BOM)")
    if problem == "recursion":
        return gettext("nested too deeply")
    if "line" in params and "column" in params:
        return gettext("line %(line)s, column %(column)s", line=params["line"],
                       column=params["column"])
    return str(params.get("detail", ""))


def _fields_detail(params: dict) -> str:
    fields = params.get("fields")
    if not isinstance(fields, dict):  # cut short: the sentence's detail as it is
        return str(params.get("detail", ""))
    return "; ".join(
        gettext("%(field)s: %(message)s", field=_READING_FIELDS.get(field, field),
                message=", ".join(_schema_message(str(m)) for m in
                                  (messages if isinstance(messages, list) else [messages])))
        for field, messages in fields.items())


def _values(code: Code, params: dict) -> dict:
    """The params of a code as its message's values (details in words, names quoted)."""
    values = dict(params)
    if code is Code.NOT_FINITE:
        values["detail"] = params.get("value", params.get("detail", ""))
    elif code is Code.BAD_JSON:
        values["detail"] = _json_detail(params)
    elif code is Code.INVALID_READING:
        values["detail"] = _fields_detail(params)
    elif code is Code.RULE:
        field = params.get("field", "reading")
        values["field"] = str(_FIELDS.get(field, field))
        values["message"] = gettext(params.get("msgid") or params.get("message", ""),
                                    **params.get("values", {}))
    for name in ("claimed", "device"):  # quoted as in the English sentence
        if name in values and code in (Code.MISMATCH, Code.UNKNOWN_DEVICE, Code.REVOKED):
            values[name] = repr(values[name])
    return values


def reason_text(code: str | None, params: dict | None = None, text: str = "") -> str:
    """A stored reason in the current language: its code's message with its params; `text`
    (the stored sentence) for `legacy` and for a row without a code; "" for none."""
    try:
        code = Code(code)
    except ValueError:
        return text or ""
    message = MESSAGES[code]
    if message is None:  # legacy
        return (params or {}).get("text", text) or text
    try:
        return str(message) % _values(code, params or {})
    except (KeyError, TypeError, ValueError):  # params of another shape: the sentence
        return text or ""


def reason_kind(code: str | None, params: dict | None = None) -> str | None:
    """The kind of a stored reason (a key of HELP), or None when it has none."""
    found = kind(code, params)
    return found if found in HELP else None


def reason_help(code: str | None, params: dict | None = None) -> tuple[str, str] | None:
    """(what it means, what to do) for a stored reason, in the page's language; None if
    unknown."""
    found = reason_kind(code, params)
    return (str(HELP[found][0]), str(HELP[found][1])) if found else None


def init_app(app: Flask) -> None:
    app.add_template_filter(reason_text, "reason")
    app.add_template_filter(reason_help, "reason_help")
