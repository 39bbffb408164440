"""Editions (challenges): create one, find one by slug."""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.domain import DEFAULT_COUNTED, DEFAULT_STREAMS, STREAMS, DomainError, NotFound, _l
from tracker.models import Edition

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}\Z")


def create_edition(session: Session, *, slug: str, name: str, start: dt.date, months: int = 8,
                   baseline_months: int = 1, target_pct: float = 20.0,
                   counted_streams=DEFAULT_COUNTED, timezone: str = "Europe/Paris") -> Edition:
    """Create a new edition; the streams families can weigh are the defaults plus the counted."""
    if not SLUG_RE.match(slug or ""):
        raise DomainError(_l("The slug must be 2 to 63 lowercase letters, digits or dashes."),
                          "slug")
    if session.scalar(select(Edition.id).where(Edition.slug == slug)) is not None:
        raise DomainError(_l("An edition with this slug already exists."), "slug")
    if not name or not name.strip():
        raise DomainError(_l("The name is required."), "name")
    if not 2 <= months <= 24:
        raise DomainError(_l("An edition lasts 2 to 24 months."), "months")
    if not 1 <= baseline_months < months:
        raise DomainError(_l("The baseline lasts at least one month and less than the edition."),
                          "baseline_months")
    if not 0 < target_pct < 100:
        raise DomainError(_l("The target must be between 0 and 100 %."), "target_pct")
    counted = list(dict.fromkeys(counted_streams))
    unknown = [s for s in counted if s not in STREAMS]
    if unknown or not counted:
        raise DomainError(_l("Unknown or missing streams: %(names)s", names=", ".join(unknown)),
                          "counted_streams")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise DomainError(_l("Unknown time zone."), "timezone") from None
    edition = Edition(slug=slug, name=name.strip(), start_date=start, months=months,
                      baseline_months=baseline_months, target_pct=float(target_pct),
                      counted_streams=counted,
                      streams=list(dict.fromkeys([*DEFAULT_STREAMS, *counted])),
                      timezone=timezone)
    session.add(edition)
    session.flush()
    return edition


def get_edition(session: Session, slug: str) -> Edition:
    """The edition with this slug, or NotFound."""
    edition = session.scalar(select(Edition).where(Edition.slug == slug))
    if edition is None:
        raise NotFound(_l("No edition with the slug %(slug)s.", slug=slug), "challenge")
    return edition
