"""Weigh-ins sent from a phone's offline queue: each stored exactly once.

The phone gives every queued entry a UUID (`client_uuid`) and may send it again when it cannot
know whether an earlier attempt arrived (signal lost before the answer). The first arrival is
stored; any later one returns the stored weigh-in. Two arrivals at the same instant meet the
unique index on `weighins.client_uuid`: the loser rolls back to its savepoint and returns the
winner's row.
"""
from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tracker.domain import DomainError, _l
from tracker.models import Household, WeighIn
from tracker.services.weighins import record_weighin


def _existing(session: Session, key: str, household: Household) -> WeighIn | None:
    weighin = session.scalar(select(WeighIn).where(WeighIn.client_uuid == key))
    if weighin is not None and weighin.household_id != household.id:
        raise DomainError(_l("This entry number is already used."), "client_uuid")
    return weighin


def record_once(session: Session, household: Household, *,
                client_uuid: uuid.UUID | str | None = None, **values) -> tuple[WeighIn, bool]:
    """Record a weigh-in unless this client UUID was stored already; (weigh-in, created)."""
    if client_uuid is None:
        return record_weighin(session, household, **values), True
    key = str(uuid.UUID(str(client_uuid)))
    existing = _existing(session, key, household)
    if existing is not None:
        return existing, False
    try:
        with session.begin_nested():
            weighin = record_weighin(session, household, flush=False, **values)
            weighin.client_uuid = key
            session.flush()
    except IntegrityError:
        existing = _existing(session, key, household)
        if existing is None:
            raise
        return existing, False
    return weighin, True
