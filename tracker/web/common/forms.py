"""Shared pieces of the pages' Flask-WTF forms (one schema per input; CSRF stays on): fields
that never fail the form (the services say what is wrong, in French), the posted values as
typed for a form shown again, and a domain error as a form's error mapping."""
from __future__ import annotations

from wtforms import Field
from wtforms.widgets import CheckboxInput, TextInput

from tracker.domain import DomainError

#: The values a ticked box may post (anything else, or nothing, is "not ticked").
TICKED = ("y", "on", "1", "true")


def errors_of(exc: DomainError) -> dict:
    """A domain error as the form's error mapping (field → messages)."""
    return {exc.field or "_schema": [str(exc.message)]}


class Text(Field):
    """A text field, stripped and cut to `limit` characters ("" when not sent)."""

    widget = TextInput()

    def __init__(self, label=None, limit: int = 2000, **kwargs):
        super().__init__(label, **kwargs)
        self.limit = limit

    def process_formdata(self, valuelist):
        self.data = ((valuelist[0] if valuelist else "") or "").strip()[:self.limit]

    def _value(self):
        return self.data or ""


class Raw(Field):
    """A text field as posted, not stripped ("" when not sent), cut to `limit` characters."""

    widget = TextInput()

    def __init__(self, label=None, limit: int | None = None, **kwargs):
        super().__init__(label, **kwargs)
        self.limit = limit

    def process_formdata(self, valuelist):
        self.data = ((valuelist[0] if valuelist else "") or "")[:self.limit]

    def _value(self):
        return self.data or ""


class WholeNumber(Field):
    """An integer field: None when empty or not a number (the service says what is wrong)."""

    widget = TextInput()

    def process_formdata(self, valuelist):
        raw = ((valuelist[0] if valuelist else "") or "").strip()
        try:
            self.data = int(raw)
        except ValueError:
            self.data = None


class Flag(Field):
    """A tick box: true only for the values a ticked box posts (`TICKED`)."""

    widget = CheckboxInput()

    def process_formdata(self, valuelist):
        self.data = bool(valuelist) and valuelist[0] in TICKED




class Many(Field):
    """Every value posted under the name (ticked boxes of one group), in order."""

    def process_formdata(self, valuelist):
        self.data = list(valuelist)


def typed(form) -> dict:
    """The posted values as typed (first value of each field sent), to show the form again."""
    return {field.name: field.raw_data[0] for field in form if field.raw_data}

