"""Why a reading was refused (a dead letter) or flagged: a code and its parameters.

The ingest, the services and the staff pages share these codes. What is stored is the code
and its parameters (`dead_letters.reason_code`/`reason_params`, `weighins.flag_code`/
`flag_params`) beside the English sentence rendered from them (`reason`, `flag_reason`): the
logs, the API and `zw deadletters list --format json` keep one language, and the pages put
the code in the page's language (tracker.web.common.reasons) without reading the sentence back.

A `Reason` is the English sentence (a `str`, so logs, slicing and comparisons work as they
did) that also carries its `code` and `params`. A plain string where a reason is expected is
stored as `legacy` with the text as its parameter. No Flask here: the ingest runs without it.
"""
from __future__ import annotations

import enum


class Code(enum.StrEnum):
    """Every reason the code writes (a new one needs an entry in ENGLISH, KIND and the pages'
    table, tests/ingest/test_reason_codes.py checks it)."""

    FLAG_WEIGHT = "flag_weight"  # kg
    FLAG_MEDIAN = "flag_median"  # factor, grams
    RATE = "rate"  # limit
    TOPIC = "topic"
    TOO_LARGE = "too_large"  # size, limit
    NOT_UTF8 = "not_utf8"  # byte
    NOT_FINITE = "not_finite"  # value, detail
    BAD_JSON = "bad_json"  # detail; line and column, or problem ("bom", "recursion")
    NOT_OBJECT = "not_object"  # kind
    INVALID_READING = "invalid_reading"  # detail; fields ({field: [message, ...]})
    MISMATCH = "mismatch"  # claimed, device
    UNKNOWN_DEVICE = "unknown_device"  # device
    REVOKED = "revoked"  # device, when ("YYYY-MM-DD HH:MM", UTC)
    STATUS = "status"
    INTERNAL = "internal"  # detail
    RETAINED = "retained"
    RULE = "rule"  # field, message (English); msgid and values (the domain's message)
    LEGACY = "legacy"  # text: a sentence stored before the codes, or a plain string


#: The English sentence of each code (str.format with the params; `!r` quotes like Python).
ENGLISH = {
    Code.FLAG_WEIGHT: "over {kg} kg",
    Code.FLAG_MEDIAN: "over {factor}x the household median ({grams} g)",
    Code.RATE: "more than {limit} readings from this scale in one hour",
    Code.TOPIC: "unexpected topic",
    Code.TOO_LARGE: "payload too large ({size} bytes, limit {limit})",
    Code.NOT_UTF8: "payload is not UTF-8 (byte {byte})",
    Code.NOT_FINITE: "not a finite number: {detail}",
    Code.BAD_JSON: "bad JSON: {detail}",
    Code.NOT_OBJECT: "payload is a JSON {kind}, not an object",
    Code.INVALID_READING: "invalid reading: {detail}",
    Code.MISMATCH: "device_id {claimed!r} in the payload does not match the topic's {device!r}",
    Code.UNKNOWN_DEVICE: "unknown device {device!r}",
    Code.REVOKED: "device {device!r} was revoked on {when} UTC",
    Code.STATUS: "status is neither online nor offline",
    Code.INTERNAL: "internal error: {detail}",
    Code.RETAINED: "retained weigh-in (a reading is published without retain)",
    Code.RULE: "{field}: {message}",
    Code.LEGACY: "{text}",
}

#: The kind of refusal each code is (what it means and what to do: tracker.web.common.reasons.HELP);
#: a rule's kind is its field, a legacy text has none.
KIND = {
    Code.FLAG_WEIGHT: "flag", Code.FLAG_MEDIAN: "flag", Code.RATE: "rate",
    Code.TOPIC: "topic", Code.TOO_LARGE: "format", Code.NOT_UTF8: "format",
    Code.NOT_FINITE: "format", Code.BAD_JSON: "format", Code.NOT_OBJECT: "format",
    Code.INVALID_READING: "format", Code.MISMATCH: "mismatch",
    Code.UNKNOWN_DEVICE: "unknown_device", Code.REVOKED: "revoked", Code.STATUS: "status",
    Code.INTERNAL: "internal", Code.RETAINED: "retained", Code.RULE: None, Code.LEGACY: None,
}


class Reason(str):
    """A reason's English sentence that carries its code and parameters."""

    code: Code
    params: dict

    def __new__(cls, code: Code | str, params: dict | None = None) -> "Reason":
        code = Code(code)
        params = dict(params or {})
        self = super().__new__(cls, ENGLISH[code].format(**params))
        self.code, self.params = code, params
        return self

    def __reduce__(self):  # pickled between the ingest's processes
        return Reason, (str(self.code), self.params)


def reason(code: Code | str, **params) -> Reason:
    """The reason `code` with its parameters."""
    return Reason(code, params)


def code_and_params(text: str) -> tuple[str, dict | None]:
    """What to store for a reason: its code and params; a plain string is `legacy`; none
    ("") is no code and no params."""
    if isinstance(text, Reason):
        return str(text.code), text.params
    if not text:
        return "", None
    return str(Code.LEGACY), {"text": str(text)}


def kind(code: str | None, params: dict | None) -> str | None:
    """The kind of a stored reason (a key of the pages' HELP), None when unknown."""
    try:
        code = Code(code)
    except ValueError:
        return None
    if code is Code.RULE:
        return (params or {}).get("field") or None
    return KIND[code]


def rule_reason(error) -> Reason:
    """A rule of the domain refused a reading (a `tracker.domain.DomainError`): its field, its
    message in English, and the message's msgid and values for the pages."""
    message = error.message
    lazy = getattr(message, "__dict__", {})  # flask_babel's LazyString: msgid and values
    args, values = lazy.get("_args") or (str(message),), lazy.get("_kwargs") or {}
    return reason(Code.RULE, field=error.field or "reading", message=str(message),
                  msgid=str(args[0]), values={k: str(v) for k, v in values.items()})
