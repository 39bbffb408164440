"""The domain's rules: the limits on what people type and weigh, the edition's calendar, and
the errors every entry point maps to its own kind of answer (a French message on a page, JSON on
the API, a listed row in an import, a dead letter for MQTT)."""
from __future__ import annotations

import calendar
import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

from tracker.domain.text import _l

MAX_WEIGHT_G = 50_000
#: Lengths of what people type, the same for every entry point (form, API, CSV import): the
#: schemas and the service layer read them here.
NOTE_MAX_LENGTH = 500
NAME_MAX_LENGTH = 200
COMMUNE_MAX_LENGTH = 200
#: A valid reading above this is stored as `flagged`, not counted until staff accept it.
FLAG_WEIGHT_G = 15_000
#: Clock skew allowed for "not in the future" (phones and scales are rarely exact).
FUTURE_TOLERANCE = dt.timedelta(minutes=10)


class DomainError(Exception):
    """A rule of the domain refused an operation; `field` names the input at fault."""

    def __init__(self, message, field: str | None = None, code: str = "invalid") -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.code = code

    def as_messages(self) -> dict:
        return {self.field or "_schema": [str(self.message)]}


class NotFound(DomainError):
    """Unknown, or not the caller's to see (the two are answered the same way)."""

    def __init__(self, message=None, field: str | None = None) -> None:
        super().__init__(message or _l("Not found."), field, code="not_found")


@lru_cache(maxsize=1024)  # every reading checks its edition's bounds: the ingest's hot path
def edition_bounds(start: dt.date, months: int, tz: str) -> tuple[dt.datetime, dt.datetime]:
    """The edition's [start, end) as aware datetimes: local midnight of start to start + months."""
    zone = ZoneInfo(tz)
    end = add_months(start, months)
    return (dt.datetime.combine(start, dt.time(), zone), dt.datetime.combine(end, dt.time(), zone))


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar-month arithmetic clamped to the month's last day (Jan 31 + 1 = Feb 28/29)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def check_weight(weight_g: int) -> None:
    """Refuse a weight outside (0, 50 kg]."""
    if weight_g <= 0:
        raise DomainError(_l("The weight must be more than 0 kg."), "weight")
    if weight_g > MAX_WEIGHT_G:
        raise DomainError(_l("The weight cannot be more than 50 kg for one weigh-in."), "weight")
