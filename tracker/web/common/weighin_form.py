"""The weigh-in form families and staff fill in (a family on its phone, staff from a paper
sheet or a phone call): one form, read by the shared schema (`tracker.schemas.weighin_input`),
so a weight typed by either is read and refused the same way; and the words of a weigh-in's
source and status on the history pages."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask_babel import format_decimal
from flask_wtf import FlaskForm
from marshmallow import ValidationError
from wtforms import HiddenField, StringField

from tracker.domain import DomainError, Source, WeighInStatus, _l
from tracker.schemas import localize, messages_as_text, weighin_input

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends
#: Service field names that differ from the form's.
FIELD_ALIASES = {"weight": "weight_kg", "weight_g": "weight_kg",
                 "client_uuid": "_schema"}  # the form's hidden number: shown above the form
SOURCE_LABELS = {Source.WEB: _l("Website"), Source.API: _l("App (API)"),
                 Source.IMPORT: _l("Import"), Source.SCALE: _l("Scale"),
                 Source.STAFF: _l("Entered by the team")}
STATUS_LABELS = {WeighInStatus.ACCEPTED: _l("Counted"), WeighInStatus.FLAGGED: _l("To be checked"),
                 WeighInStatus.REJECTED: _l("Not counted")}
#: what a correction may change
CORRECTABLE = ("stream", "weight_g", "measured_at")


class WeighInForm(FlaskForm):
    """Only the CSRF token and the raw inputs: the schema does the validation."""

    stream = StringField()
    weight_kg = StringField()
    measured_at = StringField()
    measured_at_shown = HiddenField()  # the prefilled value: unchanged means "now"
    note = StringField()
    #: Set by the page's script (pwa/offline.js) at every page load: the same form sent twice
    #: (a double tap, a post whose answer was lost and that the service worker queued) is
    #: stored once. Empty without the script: no such guard, as before.
    client_uuid = HiddenField()


def local_text(moment: dt.datetime, tz: str) -> str:
    """An instant as the form's date-time field shows it, in the edition's time zone."""
    return moment.astimezone(ZoneInfo(tz)).strftime(LOCAL_FORMAT)


def load(form: WeighInForm, tz: str) -> tuple[dict | None, dict]:
    """The form's inputs decoded by the shared schema: (values, errors by form field)."""
    raw = {"stream": form.stream.data or "", "weight_kg": form.weight_kg.data or ""}
    typed_time = (form.measured_at.data or "").strip()
    if typed_time and typed_time != (form.measured_at_shown.data or "").strip():
        raw["measured_at"] = typed_time
    if form.note.data:
        raw["note"] = form.note.data
    if not raw["stream"]:
        del raw["stream"]
    if not raw["weight_kg"].strip():
        del raw["weight_kg"]
    try:
        values = weighin_input.load(raw)
    except ValidationError as exc:
        return None, {FIELD_ALIASES.get(k, k): v for k, v in messages_as_text(exc.messages).items()}
    if values.get("measured_at") is not None:
        values["measured_at"] = localize(values["measured_at"], tz)
    return values, {}


def domain_errors(exc: DomainError) -> dict:
    """A refusal of the service as the form's errors, under the field it is about."""
    field = FIELD_ALIASES.get(exc.field, exc.field) or "_schema"
    return {field: [str(exc.message)]}


def changes(values: dict, weighin) -> dict:
    """What a correction form changes in a stored weigh-in (only that is sent to the service)."""
    changed = {k: values[k] for k in CORRECTABLE
               if values.get(k) is not None and values[k] != getattr(weighin, k)}
    if values.get("note", "") != weighin.note:
        changed["note"] = values.get("note", "")
    return changed


def prefill(form: WeighInForm, weighin, stored_time: str) -> None:
    """The correction form as the weigh-in is stored."""
    form.stream.data = weighin.stream
    form.weight_kg.data = format_decimal(weighin.weight_g / 1000, format="0.###")
    form.measured_at.data = stored_time
    form.note.data = weighin.note
