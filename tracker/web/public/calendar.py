"""iCal feeds of workshops: a household's (secret address) and an edition's (public)."""
from __future__ import annotations

from flask import Blueprint, Response, abort
from sqlalchemy import select

from tracker import clock, services
from tracker.domain import RegistrationStatus
from tracker.extensions import db
from tracker.models import HouseholdSettings
from tracker.services import events as event_service
from tracker.services import ical
from tracker.web.common.urls import public_host

bp = Blueprint("public_calendar", __name__)


def _ics(body: str, name: str) -> Response:
    return Response(body, mimetype="text/calendar",
                    headers={"Content-Disposition": f'inline; filename="{name}.ics"',
                             "Cache-Control": "private, max-age=300"})


@bp.route("/calendrier/<token>.ics")
def household_feed(token: str):
    """The household's events (secret address, no sign-in: calendar apps cannot sign in)."""
    settings = db().scalar(select(HouseholdSettings).where(
        HouseholdSettings.calendar_token == token)) if token else None
    if settings is None:
        abort(404)
    household = settings.household
    mine = event_service.household_registrations(db(), household)
    events = [(r.event, "CONFIRMED" if r.status == RegistrationStatus.CONFIRMED else "TENTATIVE")
              for r in sorted(mine.values(), key=lambda r: r.event.starts_at)]
    return _ics(ical.calendar(events, name=household.edition.name, host=public_host(),
                              now=clock.now(), with_links=True), "ateliers")


@bp.route("/calendrier/edition/<slug>.ics")
def edition_feed(slug: str):
    """Every event of an edition (public: video-meeting links are left out)."""
    edition = services.get_edition(db(), slug)
    events = [(e, "CONFIRMED") for e in event_service.edition_events(db(), edition.id)]
    return _ics(ical.calendar(events, name=edition.name, host=public_host(), now=clock.now(),
                              with_links=False), slug)
