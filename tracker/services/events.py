"""Workshops and remote meetings: publish, sign up, cancel, waiting list, reminders.

A registration is `confirmed` while seats remain, else `waiting` (first come, first served).
When a confirmed household cancels, or staff add seats, the first waiting ones are promoted and
returned so that the caller can tell them by email. Lowering the capacity never removes anyone
already confirmed. The event row is locked while seats are counted (PostgreSQL: FOR UPDATE;
SQLite serialises writers), so two last-minute sign-ups cannot both take the last seat.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from tracker import clock
from tracker.domain import DomainError, NotFound, RegistrationStatus, _l
from tracker.models import Account, Edition, Household
from tracker.models import Event, EventRegistration
from tracker.services import audit

CONFIRMED, WAITING = RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING


def _check(title: str, starts_at, ends_at, capacity, meeting_url: str) -> None:
    if not (title or "").strip():
        raise DomainError(_l("The title is required."), "title")
    if starts_at is None:
        raise DomainError(_l("The start date and time are required."), "starts_at")
    if ends_at is None or ends_at <= starts_at:
        raise DomainError(_l("The end must be after the start."), "ends_at")
    if capacity is not None and not 1 <= capacity <= 10000:
        raise DomainError(_l("The number of places must be at least 1 (empty: no limit)."),
                          "capacity")
    if meeting_url and not meeting_url.startswith(("https://", "http://")):
        raise DomainError(_l("The meeting link must start with https://."), "meeting_url")


def create_event(session: Session, edition: Edition, actor: Account | None, *, title: str,
                 starts_at: dt.datetime, ends_at: dt.datetime, description: str = "",
                 place: str = "", meeting_url: str = "", capacity: int | None = None) -> Event:
    """Publish an event of an edition."""
    _check(title, starts_at, ends_at, capacity, meeting_url)
    event = Event(edition_id=edition.id, title=title.strip(), description=description or "",
                  starts_at=starts_at, ends_at=ends_at, place=place or "",
                  meeting_url=meeting_url or "", capacity=capacity, created_at=clock.now(),
                  updated_at=clock.now())
    session.add(event)
    session.flush()
    return event


def update_event(session: Session, event: Event, *, title: str, starts_at: dt.datetime,
                 ends_at: dt.datetime, description: str = "", place: str = "",
                 meeting_url: str = "", capacity: int | None = None) -> list[EventRegistration]:
    """Change an event; returns the registrations promoted by added seats."""
    _check(title, starts_at, ends_at, capacity, meeting_url)
    event = _locked(session, event.id)
    if starts_at != event.starts_at:  # a new date deserves a new reminder
        for registration in event.registrations:
            registration.reminded_at = None
    event.title, event.description, event.place = title.strip(), description or "", place or ""
    event.starts_at, event.ends_at, event.meeting_url = starts_at, ends_at, meeting_url or ""
    event.capacity, event.updated_at = capacity, clock.now()
    session.flush()
    return _promote(session, event)


def delete_event(session: Session, event: Event) -> list[tuple[str, Household]]:
    """Cancel an event; returns (status, household) of those who were registered."""
    registered = [(r.status, r.household) for r in event.registrations]
    session.delete(event)
    session.flush()
    return registered


def get_event(session: Session, event_id: int, edition_id: int | None = None) -> Event:
    """An event (of the given edition when given), or NotFound."""
    event = session.get(Event, event_id)
    if event is None or (edition_id is not None and event.edition_id != edition_id):
        raise NotFound()
    return event


def _locked(session: Session, event_id: int) -> Event:
    return session.scalars(select(Event).where(Event.id == event_id).with_for_update()
                           .execution_options(populate_existing=True)).one()


def confirmed_count(session: Session, event: Event) -> int:
    return session.scalar(select(func.count(EventRegistration.id)).where(
        EventRegistration.event_id == event.id, EventRegistration.status == CONFIRMED))


def _promote(session: Session, event: Event) -> list[EventRegistration]:
    """Move waiting households up while there are seats; returns those promoted."""
    promoted = []
    free = None if event.capacity is None else event.capacity - confirmed_count(session, event)
    waiting = session.scalars(select(EventRegistration).where(
        EventRegistration.event_id == event.id, EventRegistration.status == WAITING)
        .order_by(EventRegistration.created_at, EventRegistration.id)).all()
    for registration in waiting:
        if free is not None and free <= 0:
            break
        registration.status = CONFIRMED
        promoted.append(registration)
        if free is not None:
            free -= 1
    session.flush()
    return promoted


def register(session: Session, event: Event, household: Household,
             now: dt.datetime | None = None) -> EventRegistration:
    """Sign a household up: confirmed while seats remain, else on the waiting list."""
    now = now or clock.now()
    if event.edition_id != household.edition_id:
        raise NotFound()
    if event.starts_at <= now:
        raise DomainError(_l("This event has already started."), "event")
    event = _locked(session, event.id)
    existing = session.scalar(select(EventRegistration).where(
        EventRegistration.event_id == event.id, EventRegistration.household_id == household.id))
    if existing is not None:
        return existing
    full = event.capacity is not None and confirmed_count(session, event) >= event.capacity
    registration = EventRegistration(event_id=event.id, household_id=household.id,
                                     status=WAITING if full else CONFIRMED, created_at=now)
    session.add(registration)
    session.flush()
    return registration


def cancel(session: Session, event: Event, household: Household,
           now: dt.datetime | None = None) -> list[EventRegistration]:
    """Withdraw a household; returns the waiting registrations promoted to its seat."""
    event = _locked(session, event.id)
    registration = session.scalar(select(EventRegistration).where(
        EventRegistration.event_id == event.id, EventRegistration.household_id == household.id))
    if registration is None:
        return []
    session.delete(registration)
    session.flush()
    if event.starts_at <= (now or clock.now()):
        return []
    return _promote(session, event)


def edition_events(session: Session, edition_id: int, *, upcoming_only: bool = False,
                   now: dt.datetime | None = None) -> list[Event]:
    """An edition's events by start time (the coming ones only when asked)."""
    query = (select(Event).where(Event.edition_id == edition_id)
             .options(selectinload(Event.registrations)).order_by(Event.starts_at, Event.id))
    if upcoming_only:
        query = query.where(Event.ends_at > (now or clock.now()))
    return list(session.scalars(query))


def household_registrations(session: Session, household: Household) -> dict[int, EventRegistration]:
    """Event id → the household's registration."""
    rows = session.scalars(select(EventRegistration).where(
        EventRegistration.household_id == household.id)).all()
    return {r.event_id: r for r in rows}


def due_reminders(session: Session, now: dt.datetime | None = None) -> list[EventRegistration]:
    """Confirmed registrations to remind: the event starts tomorrow (local date) or sooner,
    is not over, and no reminder went out (a missed daily run still reminds on the day)."""
    now = now or clock.now()
    candidates = session.scalars(
        select(EventRegistration).join(Event)
        .where(EventRegistration.status == CONFIRMED, EventRegistration.reminded_at.is_(None),
               Event.starts_at > now, Event.starts_at < now + dt.timedelta(days=2))
        .options(selectinload(EventRegistration.event).selectinload(Event.edition))).all()
    due = []
    for registration in candidates:
        event = registration.event
        zone = ZoneInfo(event.edition.timezone)
        tomorrow = now.astimezone(zone).date() + dt.timedelta(days=1)
        if event.starts_at.astimezone(zone).date() <= tomorrow:
            due.append(registration)
    return due


def log_staff_change(session: Session, actor: Account, event: Event, action: str) -> None:
    """Event changes touch registered households: keep a trace."""
    audit.record(session, actor, action, edition_id=event.edition_id, event=event.id)
