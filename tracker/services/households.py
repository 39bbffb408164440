"""Households and the history of their size."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.domain import (COMMUNE_MAX_LENGTH, NAME_MAX_LENGTH, DomainError, NotFound, _l,
                            add_months)
from tracker.models import Edition, Household, HouseholdSize

MAX_PERSONS = 30


def _check_persons(persons: int) -> None:
    if not isinstance(persons, int) or not 1 <= persons <= MAX_PERSONS:
        raise DomainError(_l("A household has 1 to %(n)s persons.", n=MAX_PERSONS), "persons")


def create_household(session: Session, edition: Edition, *, name: str, persons: int,
                     commune: str = "", emails: str = "",
                     valid_from: dt.date | None = None) -> Household:
    """Add a household to an edition with its size from the start (or a later date)."""
    name = (name or "").strip()
    if not name:
        raise DomainError(_l("The household name is required."), "household")
    commune = (commune or "").strip()
    for field, value, limit in (("household", name, NAME_MAX_LENGTH),
                                ("commune", commune, COMMUNE_MAX_LENGTH)):
        if len(value) > limit:  # the same limits as the forms and the CSV import (schemas)
            raise DomainError(_l("%(max)s characters at most.", max=limit), field)
    _check_persons(persons)
    if session.scalar(select(Household.id).where(Household.edition_id == edition.id,
                                                 Household.name == name)) is not None:
        raise DomainError(_l("A household named %(name)s already exists in this edition.",
                             name=name), "household")
    household = Household(edition=edition, name=name, commune=commune,
                          emails=(emails or "").strip())
    household.sizes.append(HouseholdSize(persons=persons,
                                         valid_from=valid_from or edition.start_date))
    session.add(household)
    session.flush()
    return household


def get_household(session: Session, edition: Edition, name: str) -> Household:
    """The household of this edition with this name, or NotFound."""
    household = session.scalar(select(Household).where(Household.edition_id == edition.id,
                                                       Household.name == name.strip()))
    if household is None:
        raise NotFound(_l("No household named %(name)s in this edition.", name=name), "household")
    return household


def set_household_size(session: Session, household: Household, *, persons: int,
                       valid_from: dt.date) -> HouseholdSize:
    """Record that the household has `persons` persons from `valid_from` on (same date: replaced)."""
    _check_persons(persons)
    edition = household.edition
    end = add_months(edition.start_date, edition.months)
    if not edition.start_date <= valid_from < end:
        raise DomainError(_l("The date must be within the edition (%(start)s to %(end)s).",
                             start=edition.start_date.isoformat(),
                             end=(end - dt.timedelta(days=1)).isoformat()), "from")
    for size in household.sizes:
        if size.valid_from == valid_from:
            size.persons = persons
            session.flush()
            return size
    size = HouseholdSize(persons=persons, valid_from=valid_from)
    household.sizes.append(size)
    household.sizes.sort(key=lambda s: s.valid_from)
    session.flush()
    return size
