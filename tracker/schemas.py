"""marshmallow schemas shared by the web form, the REST API, the CSV import and the MQTT ingest.

Schemas decode and check the shape of an input (numbers, dates, bin names); the rules that need
the database or the edition (date inside the challenge, bin of the edition, ownership) are the
service layer's. Error messages are lazy strings: French on pages, English where no locale is set.
"""
from __future__ import annotations

import datetime as dt
import functools
import math
import re
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, post_load, validate, \
    validates_schema
from marshmallow.utils import from_iso_datetime as _from_iso_datetime

from tracker.domain import (COMMUNE_MAX_LENGTH, MAX_WEIGHT_G, NAME_MAX_LENGTH, NOTE_MAX_LENGTH,
                            SOURCES, STATUSES, STREAMS, NewsMail, _l, normalize_stream, values)

_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)\Z")
#: Characters of a typed weight: "12,345" and a few spare. A longer number is no weight, and a
#: million digits would overflow Decimal's arithmetic (or Python's 4,300-digit int limit).
MAX_WEIGHT_CHARS = 20


def parse_weight_kg(value) -> int:
    """Kilograms as typed (`1,25`, `1.25`, `2`) to integer grams; ValidationError otherwise."""
    if isinstance(value, bool) or value is None:
        raise ValidationError(_l("The weight must be a number of kilograms."))
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValidationError(_l("The weight must be a number of kilograms."))
        if value <= 0:
            raise ValidationError(_l("The weight must be more than 0 kg."))
        if value > MAX_WEIGHT_G:  # kilograms: far over the limit (and no 5,000-digit str())
            raise ValidationError(_l("The weight cannot be more than 50 kg for one weigh-in."))
        return _grams(Decimal(str(value)))
    text = str(value)[:MAX_WEIGHT_CHARS * 4]
    # A CSV import repeats the same few hundred weights: short texts are remembered.
    return _weight_cached(text) if len(text) <= 16 else _weight_text(text)


#: Spaces people (and spreadsheets, and phones' keyboards) put between digit groups: space,
#: no-break space, narrow no-break space (French typography), thin space.
_SPACES = re.compile("[\u00a0\u202f\u2009 ]+")
#: The number and its unit, if typed: `1 250 g`, `1,25kg`, `2`.
_WITH_UNIT = re.compile(r"^(?P<number>.*?) ?(?P<unit>kg|g)?\Z", re.IGNORECASE | re.DOTALL)
#: Digits grouped by thousands with spaces: `1 250`, `12 500,5`.
_GROUPED = re.compile(r"^[+-]?\d{1,3}( \d{3})+([.,]\d*)?\Z")
#: A separator followed by exactly three digits: `1,250` (1.25 or 1250?).
_THREE_DECIMALS = re.compile(r"^[+-]?\d+[.,]\d{3}\Z")


def _weight_text(value: str) -> int:
    """A typed weight to grams. The rule (also in docs/challenge-life.md, "Typed weights"):

    - the field is in kilograms; `,` or `.` is the decimal separator (`1,25` = `1.25` = 1.25 kg);
    - a unit may be typed after the number: `kg`, or `g` for grams (`1 250 g` = 1,250 g);
    - spaces (plain, no-break, narrow no-break, thin) are allowed between groups of three digits
      (`1 250`) and next to the decimal separator; elsewhere (`1 25`) the text is no number;
    - a number without a unit that is over 50 kg but reads as grams — digits grouped by
      spaces (`1 250`, `1 250,5`) or a whole number of at least 100 (`1250`) — and is a
      possible weight in grams is refused with a question: kilograms were typed, grams were
      surely meant; the message says how to write either. Other numbers over 50 kg (`50,5`,
      `75`) get the plain "more than 50 kg" refusal;
    - with `g`, a separator followed by exactly three digits (`1,250 g`, `1.250 g`) may be a
      thousands separator or a decimal one: refused with the two readings spelled out.
      Without a unit (`1,250`, `1.250 kg`) it is decimal: 1,250 kg is no bin's weight.
    """
    text = _SPACES.sub(" ", value).strip()
    match = _WITH_UNIT.match(text)
    number, unit = match.group("number").strip(), (match.group("unit") or "").lower()
    number = re.sub(r" ?([.,]) ?", r"\1", number)  # `1 ,2` is `1,2`
    grouped = " " in number
    if grouped:
        if not _GROUPED.match(number):
            raise ValidationError(_l("The weight must be a number of kilograms."))
        number = number.replace(" ", "")
    if len(number) > MAX_WEIGHT_CHARS or not _NUMBER.match(number):
        raise ValidationError(_l("The weight must be a number of kilograms."))
    try:
        amount = Decimal(number.replace(",", "."))
    except InvalidOperation:
        raise ValidationError(_l("The weight must be a number of kilograms.")) from None
    if unit == "g":
        if _THREE_DECIMALS.match(number):
            whole, _sep, part = re.split(r"([.,])", number)
            raise ValidationError(_l(
                "“%(typed)s”: %(small)s gram or %(large)s grams? For %(large)s grams, write "
                "%(large)s g or %(kg)s kg.", typed=value.strip()[:20],
                small=f"{whole},{part.rstrip('0') or '0'}",
                large=_grouped(int(whole + part)), kg=_kg_text(Decimal(whole + part))))
        return _grams(amount / 1000)
    looks_like_grams = grouped or (amount == amount.to_integral_value() and amount >= 100)
    if not unit and looks_like_grams and MAX_WEIGHT_G < amount * 1000 and amount <= MAX_WEIGHT_G:
        raise ValidationError(_l(
            "The weight is in kilograms: %(typed)s kg is more than 50 kg. For %(typed)s grams, "
            "write %(kg)s (kilograms) or %(typed)s g.", typed=_grouped(amount),
            kg=_kg_text(amount)))
    return _grams(amount)


def _grouped(amount) -> str:
    """A number as French writes it: `1 250`, `1 250,5` (narrow no-break spaces)."""
    whole, _sep, part = format(Decimal(amount), "f").partition(".")
    digits = f"{int(whole):,}".replace(",", "\u202f")
    return f"{digits},{part}" if part.strip("0") else digits


def _kg_text(grams: Decimal) -> str:
    """Grams as kilograms written the French way: 1250 → `1,25`."""
    kg = format((grams / 1000).normalize(), "f")
    return kg.replace(".", ",")


_weight_cached = functools.lru_cache(maxsize=4096)(_weight_text)


def _grams(kg: Decimal) -> int:
    try:
        grams = int((kg * 1000).to_integral_value())
    except ArithmeticError:  # decimal.Overflow and the like: no weight either
        raise ValidationError(_l("The weight must be a number of kilograms.")) from None
    if grams <= 0:
        raise ValidationError(_l("The weight must be more than 0 kg."))
    if grams > MAX_WEIGHT_G:
        raise ValidationError(_l("The weight cannot be more than 50 kg for one weigh-in."))
    return grams


class WeightKg(fields.Field):
    """A weight in kilograms, comma or dot, loaded as integer grams and dumped as kg."""

    def _deserialize(self, value, attr, data, **kwargs):
        return parse_weight_kg(value)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else round(value / 1000, 3)


class Stream(fields.String):
    """A bin, by its key or a French/English name (`OMR`, `verre`, `biodéchets`)."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        stream = normalize_stream(text)
        if stream is None:
            raise ValidationError(_l("Unknown bin: %(stream)s.", stream=text[:40]))
        return stream


def parse_date(value: str) -> dt.date:
    """`YYYY-MM-DD` or `DD/MM/YYYY` (also `DD-MM-YYYY`, `DD.MM.YYYY`)."""
    return _date_text(str(value).strip())


@functools.lru_cache(maxsize=4096)  # a CSV import repeats the same few hundred dates
def _date_text(text: str) -> dt.date:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValidationError(_l("Unknown date format (use DD/MM/YYYY or YYYY-MM-DD)."))


def parse_time(value: str) -> dt.time:
    """`HH:MM`, `HH:MM:SS` or `HHhMM`."""
    return _time_text(str(value).strip().lower())


@functools.lru_cache(maxsize=4096)  # a CSV import repeats the same times of day
def _time_text(text: str) -> dt.time:
    text = text.replace("h", ":")
    if text.endswith(":"):
        text += "00"
    for fmt in ("%H:%M", "%H:%M:%S"):
        try:
            return dt.datetime.strptime(text, fmt).time()
        except ValueError:
            continue
    raise ValidationError(_l("Unknown time format (use HH:MM)."))


class LocalDate(fields.Field):
    def _deserialize(self, value, attr, data, **kwargs):
        return parse_date(value)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else value.isoformat()


def note_field(**kwargs) -> fields.String:
    """A weigh-in's note, the same rule for the form, the API and the CSV import."""
    return fields.String(validate=validate.Length(max=NOTE_MAX_LENGTH, error=_l(
        "The note is limited to %(max)s characters.", max=NOTE_MAX_LENGTH)), **kwargs)


def text_field(max_length: int, empty: str | None = None, **kwargs) -> fields.String:
    """A short text typed by a person (household name, commune) with its length limit; `empty`:
    the message refusing an empty one (then it is required)."""
    checks = [validate.Length(max=max_length, error=_l("%(max)s characters at most.",
                                                       max=max_length))]
    if empty is not None:
        checks.insert(0, validate.Length(min=1, error=empty))
        kwargs.update(required=True, error_messages={"required": empty})
    return fields.String(validate=checks, **kwargs)


def localize(value: dt.datetime, tz: str) -> dt.datetime:
    """A naive local time of the edition's zone made aware; an aware one is kept as it is."""
    if value.tzinfo is None:
        return value.replace(tzinfo=ZoneInfo(tz))
    return value


class WeighInInputSchema(Schema):
    """A weigh-in typed by a family (form) or sent to the API: bin, kilograms, when, note."""

    class Meta:
        unknown = RAISE

    stream = Stream(required=True, metadata={"description": "bin: residual, packaging, glass, "
                                             "biowaste... (French names accepted)"},
                    error_messages={"required": _l("Choose a bin.")})
    weight_g = WeightKg(required=True, data_key="weight_kg",
                        metadata={"description": "kilograms, `1.25` or `1,25`",
                                  "type": "string", "example": "1,25"},
                        error_messages={"required": _l("Enter the weight.")})
    measured_at = fields.DateTime(
        load_default=None, metadata={"description": "ISO 8601; without offset: the edition's "
                                                    "local time; default now"},
        error_messages={"invalid": _l("Unknown date or time.")})
    note = note_field(load_default="")


class WeighInPatchSchema(WeighInInputSchema):
    """A correction: every field optional."""

    stream = Stream(error_messages={"null": _l("Choose a bin.")})
    weight_g = WeightKg(data_key="weight_kg", metadata={"type": "string", "example": "1,25"},
                        error_messages={"null": _l("Enter the weight.")})
    measured_at = fields.DateTime(error_messages={"invalid": _l("Unknown date or time."),
                                                  "null": _l("Enter a date and time.")})
    note = note_field(error_messages={"null": _l("Leave the note empty rather than null.")})


class WeighInSchema(Schema):
    """A stored weigh-in as the API and the export show it."""

    id = fields.Integer(dump_only=True)
    stream = fields.String(validate=validate.OneOf(STREAMS))
    weight_g = fields.Integer()
    weight_kg = fields.Function(lambda w: round(w.weight_g / 1000, 3))
    measured_at = fields.DateTime()
    source = fields.String(validate=validate.OneOf(SOURCES))
    status = fields.String(validate=validate.OneOf(STATUSES))
    device_id = fields.String(allow_none=True)
    seq = fields.Integer(allow_none=True)
    note = fields.String()


class ImportRowSchema(Schema):
    """One row of the weigh-in CSV: household,date,stream,weight_kg[,time][,note]."""

    class Meta:
        unknown = EXCLUDE

    household = text_field(NAME_MAX_LENGTH, empty=_l("Missing household."))
    date = LocalDate(required=True, error_messages={"required": _l("Missing date.")})
    time = fields.Method(deserialize="_time", load_default=None)
    stream = Stream(required=True, error_messages={"required": _l("Missing bin.")})
    weight_g = WeightKg(required=True, data_key="weight_kg",
                        error_messages={"required": _l("Missing weight.")})
    note = note_field(load_default="")

    def _time(self, value):
        return parse_time(value) if str(value).strip() else None


class HouseholdRowSchema(Schema):
    """One row of the household CSV: household,persons,email,commune."""

    class Meta:
        unknown = EXCLUDE

    household = text_field(NAME_MAX_LENGTH, empty=_l("Missing household."))
    persons = fields.Integer(required=True, strict=False,
                             validate=validate.Range(1, 30, error=_l(
                                 "A household has 1 to %(n)s persons.", n=30)),
                             error_messages={"invalid": _l("The number of persons must be a "
                                                           "whole number.")})
    email = fields.String(load_default="")
    commune = text_field(COMMUNE_MAX_LENGTH, load_default="")


class StrictInt(fields.Integer):
    """An integer that refuses booleans, floats and strings (MQTT payloads are typed)."""

    def _validated(self, value):
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid")
        return super()._validated(value)


class ReadingSchema(Schema):
    """The canonical scale reading on `zw/scales/<device_id>/weighin` (DESIGN.md, MQTT)."""

    class Meta:
        unknown = EXCLUDE

    seq = StrictInt(required=True, validate=validate.Range(min=0, max=2**53))
    ts = fields.AwareDateTime(required=True, format="iso")
    weight_g = StrictInt(required=True, validate=validate.Range(min=1, max=MAX_WEIGHT_G))
    stream = fields.String(load_default=None, validate=validate.OneOf(STREAMS))
    battery_pct = fields.Float(load_default=None, validate=validate.Range(0, 100),
                               allow_nan=False)
    device_id = fields.String(load_default=None)

    @validates_schema
    def _finite(self, data, **kwargs):
        battery = data.get("battery_pct")
        if battery is not None and not math.isfinite(battery):
            raise ValidationError("not a finite number", "battery_pct")

    @post_load
    def _round_battery(self, data, **kwargs):
        if data.get("battery_pct") is not None:
            data["battery_pct"] = int(round(data["battery_pct"]))
        return data


class PasswordChangeSchema(Schema):
    """The password form: the current password (checked against the account by the service,
    which knows whether one is needed) and the new one typed twice."""

    class Meta:
        unknown = EXCLUDE  # the CSRF token

    current_password = fields.String(load_default="", validate=validate.Length(
        max=1024, error=_l("This password is too long.")))
    password = fields.String(required=True, validate=validate.Length(
        min=1, max=1024, error=_l("Enter a new password of at most 1024 characters.")),
        error_messages={"required": _l("Enter a new password of at most 1024 characters.")})
    confirm = fields.String(load_default="")

    @validates_schema
    def _same_twice(self, data, **kwargs):
        if data.get("password") and data.get("password") != data.get("confirm"):
            raise ValidationError(_l("The two passwords are not the same."), "confirm")


class HouseholdSizeSchema(Schema):
    """A change of household size from a date on (the staff form; `zw households set-size`)."""

    class Meta:
        unknown = EXCLUDE  # the CSRF token

    persons = fields.Integer(required=True, strict=False,
                             validate=validate.Range(1, 30, error=_l(
                                 "A household has 1 to %(n)s persons.", n=30)),
                             error_messages={"invalid": _l("The number of persons must be a "
                                                           "whole number."),
                                             "required": _l("Enter the number of persons.")})
    valid_from = LocalDate(required=True, data_key="from",
                           error_messages={"required": _l("Enter the date of the change.")})


def messages_as_text(messages) -> dict:
    """marshmallow messages with lazy strings made plain (for JSON and logs)."""
    if isinstance(messages, dict):
        # marshmallow keeps a lazy string raised by a field as it is, not in a list: wrap it,
        # so every field maps to a list of messages as with plain strings.
        return {k: messages_as_text(v) if isinstance(v, (dict, list, tuple)) else [str(v)]
                for k, v in messages.items()}
    if isinstance(messages, (list, tuple)):
        return [messages_as_text(m) for m in messages]
    return str(messages)


class AbsenceInputSchema(Schema):
    """Dates when the whole household is away (both included), `YYYY-MM-DD` or `DD/MM/YYYY`.
    The service checks the order and the edition's dates (the same rules as the phone form)."""

    class Meta:
        unknown = RAISE

    date_from = LocalDate(required=True, metadata={"description": "first day away"})
    date_to = LocalDate(required=True, metadata={"description": "last day away (included)"})


class AbsenceSchema(Schema):
    """A declared absence, as the API returns it."""

    id = fields.Integer()
    date_from = LocalDate()
    date_to = LocalDate()
    days = fields.Function(lambda a: (a.date_to - a.date_from).days + 1)
    created_by = fields.String(metadata={"description": "who declared it"})
    created_at = fields.DateTime()


weighin_input = WeighInInputSchema()
weighin_patch = WeighInPatchSchema()
weighin_out = WeighInSchema()
import_row = ImportRowSchema()
household_row = HouseholdRowSchema()
reading = ReadingSchema()

#: The fields `load_reading` knows; any other set (a field added to ReadingSchema) turns its
#: fast path off, and tests/tracker/test_schemas.py fails until it is taught the new field.
READING_FIELDS = frozenset({"seq", "ts", "weight_g", "stream", "battery_pct", "device_id"})


def _reading_bounds(schema: ReadingSchema):
    """(seq, weight, battery) (min, max) ranges and the bins, read from the schema's own
    validators; None when the schema is not the one `load_reading` was written for."""
    declared = schema.fields
    if set(declared) != READING_FIELDS:
        return None
    ts = declared["ts"]
    if not (type(ts) is fields.AwareDateTime and ts.default_timezone is None
            and ts.DESERIALIZATION_FUNCS.get(ts.format) is _from_iso_datetime
            and type(declared["seq"]) is StrictInt and type(declared["weight_g"]) is StrictInt
            and type(declared["battery_pct"]) is fields.Float
            and not declared["battery_pct"].allow_nan
            and type(declared["stream"]) is fields.String
            and type(declared["device_id"]) is fields.String
            and not declared["device_id"].validators
            and all(not declared[name].data_key for name in READING_FIELDS)):
        return None
    try:
        ranges = []
        for name in ("seq", "weight_g", "battery_pct"):
            (check,) = declared[name].validators
            if not (isinstance(check, validate.Range) and check.min_inclusive
                    and check.max_inclusive):
                return None
            ranges.append((check.min, check.max))
        (bins,) = declared["stream"].validators
        return (*ranges, frozenset(bins.choices))
    except (ValueError, AttributeError):
        return None


_READING_BOUNDS = _reading_bounds(reading)


#: The usual form of a reading's time (a subset of marshmallow's ISO 8601, ASCII digits, a
#: zone), parsed by `_aware_iso`; any other form goes through the schema.
_USUAL_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
                         r"(?:\.([0-9]{1,6}))?(Z|[+-][0-9]{2}:[0-9]{2})\Z", re.ASCII)


@functools.lru_cache(maxsize=64)
def _zone(text: str) -> dt.tzinfo:
    """The tzinfo marshmallow's `from_iso_datetime` gives a zone written `text` (Z, ±HH:MM)."""
    return _from_iso_datetime("2000-01-01T00:00:00" + text).tzinfo


def _aware_iso(text: str) -> dt.datetime | None:
    """marshmallow's `from_iso_datetime(text)` (what fields.AwareDateTime(format="iso")
    calls: the same fields, the same tzinfo) for the usual form, without its regular
    expression's groups and a new timezone object per call; None for any other form."""
    match = _USUAL_TIME.match(text)
    if match is None:
        return None
    fraction, zone = match.groups()
    return dt.datetime(int(text[0:4]), int(text[5:7]), int(text[8:10]), int(text[11:13]),
                       int(text[14:16]), int(text[17:19]),
                       int(fraction.ljust(6, "0")) if fraction else 0, _zone(zone))


def load_reading(data):
    """`reading.load(data)`: the same dict, or the same ValidationError, ~10× faster for the
    usual reading (the ingest decodes thousands a second and marshmallow's machinery was a
    sixth of their CPU; docs/ingest.md).

    The fast path takes only what the schema surely accepts, with the types JSON gives
    (integers that are not booleans, a bin among the schema's, a battery level as a number
    within the range, the time through marshmallow's own ISO parser, with a zone), and builds
    the dict the schema would; anything else (an error, a string battery level, a naive
    time, ...) goes through the schema itself, which gives the answer and the message.
    tests/tracker/test_schemas.py compares both on generated payloads."""
    bounds = _READING_BOUNDS
    if bounds is not None and type(data) is dict:
        (seq_min, seq_max), (weight_min, weight_max), (battery_min, battery_max), bins = bounds
        seq, weight, ts = data.get("seq"), data.get("weight_g"), data.get("ts")
        stream, battery = data.get("stream"), data.get("battery_pct")
        device_id = data.get("device_id")
        if (type(seq) is int and seq_min <= seq <= seq_max
                and type(weight) is int and weight_min <= weight <= weight_max
                and type(ts) is str
                and (stream is None or (type(stream) is str and stream in bins))
                and (battery is None or (type(battery) in (int, float)
                                         and battery_min <= battery <= battery_max))
                and (device_id is None or type(device_id) is str)):
            try:
                when = _aware_iso(ts)
            except (TypeError, ValueError, OverflowError):
                when = None
            if when is not None and when.tzinfo is not None \
                    and when.tzinfo.utcoffset(when) is not None:
                return {"seq": seq, "ts": when, "weight_g": weight, "stream": stream,
                        "battery_pct": None if battery is None else int(round(float(battery))),
                        "device_id": device_id}
    return reading.load(data)
password_change = PasswordChangeSchema()
household_size = HouseholdSizeSchema()


class GroupMessageSchema(Schema):
    """A message from staff to a group of families (the staff form): who, subject, text."""

    class Meta:
        unknown = EXCLUDE  # the CSRF token

    group = fields.String(required=True, error_messages={"required": _l(
        "Choose who gets the message.")})
    subject = fields.String(required=True, validate=validate.Length(min=1, max=200, error=_l(
        "Write a subject of one line (%(max)s characters at most).", max=200)),
        error_messages={"required": _l("Write a subject of one line (%(max)s characters at "
                                       "most).", max=200)})
    body = fields.String(required=True, validate=validate.Length(min=1, max=5000, error=_l(
        "Write the message (%(max)s characters at most).", max=5000)),
        error_messages={"required": _l("Write the message (%(max)s characters at most).",
                                       max=5000)})
    confirm = fields.Boolean(load_default=False, truthy={"y", "1", "true"}, falsy={"", "0"})


group_message = GroupMessageSchema()


class NewsMailSchema(Schema):
    """A family's choice of news by mail: each announcement, a weekly digest, or none."""

    class Meta:
        unknown = EXCLUDE  # the CSRF token

    news_mail = fields.String(required=True, validate=validate.OneOf(
        values(NewsMail), error=_l("Choose how you want to receive the news.")),
        error_messages={"required": _l("Choose how you want to receive the news.")})


news_mail_choice = NewsMailSchema()
