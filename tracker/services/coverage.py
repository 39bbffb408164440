"""Absences and staff-accepted months: what the progress method needs to tell a forgotten
week from a week away (DESIGN.md "Coverage and absences").

A family declares its own absences (on its phone); staff declare one for a household and
accept a household-month as reliable with a reason. Staff actions go to the audit log (ids,
dates, month and reason: never a name), as every staff action on household data does.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker import clock
from tracker.domain import STAFF_ROLES, DomainError, NotFound, _l, add_months
from tracker.models import Absence, AcceptedMonth, Account, Household
from tracker.services import audit

#: A reason longer than this is not a reason but a report.
MAX_REASON = 500
#: Absences a household may have at once: more than a family ever declares (overlaps count
#: once, so longer ones do the same), and every progress page reads them all: a script posting
#: the form in a loop cannot fill the table.
MAX_ABSENCES = 200


def _who(actor: Account | None, actor_name: str | None) -> str:
    return actor.email if actor else (actor_name or "system")


def _staff(actor: Account | None) -> bool:
    return actor is None or actor.role in STAFF_ROLES


def _record(session, actor, actor_name, action, household, **details):
    """Audit a staff action (an account) or a `zw` command (no account)."""
    if actor is None:
        audit.record_command(session, action, edition_id=household.edition_id,
                             household_id=household.id, **details)
    elif _staff(actor):
        audit.record(session, actor, action, edition_id=household.edition_id,
                     household_id=household.id, **details)


def declare_absence(session: Session, household: Household, *, date_from: dt.date,
                    date_to: dt.date, actor: Account | None = None,
                    actor_name: str | None = None) -> Absence:
    """The whole household is away from `date_from` to `date_to` (both included)."""
    if date_from is None or date_to is None:
        raise DomainError(_l("Give the first and the last day of the absence."), "date_from")
    if date_to < date_from:
        raise DomainError(_l("The last day comes before the first day."), "date_to")
    edition = household.edition
    end = add_months(edition.start_date, edition.months)
    if date_from < edition.start_date or date_to >= end:
        raise DomainError(_l("The dates must be within the edition (%(start)s to %(end)s).",
                             start=edition.start_date.isoformat(),
                             end=(end - dt.timedelta(days=1)).isoformat()), "date_from")
    held = session.scalar(select(func.count(Absence.id))
                          .where(Absence.household_id == household.id))
    if held >= MAX_ABSENCES:
        raise DomainError(_l("Too many absences (%(n)s): withdraw some, or declare longer "
                             "ones.", n=MAX_ABSENCES), "date_from")
    absence = Absence(household_id=household.id, date_from=date_from, date_to=date_to,
                      created_by_id=actor.id if actor else None,
                      created_by=_who(actor, actor_name), created_at=clock.now())
    session.add(absence)
    session.flush()
    _record(session, actor, actor_name, "absence.declare", household,
            absence_id=absence.id, date_from=date_from.isoformat(),
            date_to=date_to.isoformat())
    return absence


def absences(session: Session, household: Household) -> list[Absence]:
    """The household's absences, first dates first."""
    return list(session.scalars(select(Absence).where(Absence.household_id == household.id)
                                .order_by(Absence.date_from, Absence.id)))


def delete_absence(session: Session, household: Household, absence_id: int, *,
                   actor: Account | None = None) -> None:
    """Withdraw one of the household's absences (another household's is not found)."""
    absence = session.get(Absence, absence_id)
    if absence is None or absence.household_id != household.id:
        raise NotFound(_l("No such absence."), "absence")
    details = {"absence_id": absence.id, "date_from": absence.date_from.isoformat(),
               "date_to": absence.date_to.isoformat()}
    session.delete(absence)
    session.flush()
    _record(session, actor, None, "absence.delete", household, **details)


def accept_month(session: Session, household: Household, *, month: int, reason: str,
                 actor: Account | None = None, actor_name: str | None = None
                 ) -> AcceptedMonth:
    """Staff accept the household's challenge month `month` as reliable, saying why."""
    edition = household.edition
    if not isinstance(month, int) or not 1 <= month <= edition.months:
        raise DomainError(_l("The month must be between 1 and %(n)s.", n=edition.months),
                          "month")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Say why the month is accepted."), "reason")
    if len(reason) > MAX_REASON:
        raise DomainError(_l("The reason is too long (%(n)s characters at most).",
                             n=MAX_REASON), "reason")
    row = session.scalar(select(AcceptedMonth).where(AcceptedMonth.household_id == household.id,
                                                     AcceptedMonth.month == month))
    if row is None:
        row = AcceptedMonth(household_id=household.id, month=month)
        session.add(row)
    row.reason = reason
    row.accepted_by_id = actor.id if actor else None
    row.accepted_by = _who(actor, actor_name)
    row.accepted_at = clock.now()
    session.flush()
    _record(session, actor, actor_name, "progress.accept", household, month=month,
            reason=reason)
    return row


def accepted_months(session: Session, household: Household) -> dict[int, AcceptedMonth]:
    """The household's accepted months by month number."""
    rows = session.scalars(select(AcceptedMonth).where(
        AcceptedMonth.household_id == household.id))
    return {r.month: r for r in rows}
