"""Weigh-ins: record, correct, delete, review; the rules shared by every source."""
from __future__ import annotations

import datetime as dt
import statistics
from functools import lru_cache

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from tracker.domain import (FLAG_WEIGHT_G, FUTURE_TOLERANCE, SOURCES, DomainError, NotFound,
                            WeighInStatus, _l, check_weight, edition_bounds)
from tracker.domain.reasons import Code, code_and_params, reason
from tracker import clock
from tracker.models import Device, Household, WeighIn

#: A reading this many times the household's usual weight for the bin is doubtful.
MEDIAN_FACTOR = 10
#: The median needs this many earlier accepted weigh-ins of the bin to mean anything.
MEDIAN_MIN_SAMPLES = 5


def check_measured_at(household: Household, measured_at: dt.datetime,
                      now: dt.datetime | None = None,
                      bounds: tuple[dt.datetime, dt.datetime] | None = None) -> None:
    """Refuse a naive time, a time in the future, or one outside the household's edition
    (`bounds`: the edition's, when the caller checks many weigh-ins of one edition)."""
    if measured_at.tzinfo is None:
        raise DomainError(_l("The date and time need a time zone."), "measured_at")
    now = now or clock.now()
    if measured_at > now + FUTURE_TOLERANCE:
        raise DomainError(_l("The date is in the future."), "measured_at")
    if bounds is None:
        edition = household.edition
        bounds = edition_bounds(edition.start_date, edition.months, edition.timezone)
    start, end = bounds
    if not start <= measured_at < end:
        raise DomainError(_l("The date is outside the challenge (%(start)s to %(end)s).",
                             start=start.date().strftime("%d/%m/%Y"),
                             end=(end - dt.timedelta(days=1)).date().strftime("%d/%m/%Y")),
                          "measured_at")


def check_stream(household: Household, stream: str) -> None:
    """Refuse a bin the household's edition does not have."""
    if stream not in household.edition.streams:
        raise DomainError(_l("Unknown bin: %(stream)s.", stream=stream), "stream")


def flag_reason(weight_g: int, median_g: float | None, flag_weight_g: int = FLAG_WEIGHT_G) -> str:
    """Why a valid reading is doubtful ('' when it is not): very heavy, or far above the usual."""
    if weight_g > flag_weight_g:
        return reason(Code.FLAG_WEIGHT, kg=flag_weight_g // 1000)
    if median_g and weight_g > MEDIAN_FACTOR * median_g:
        return reason(Code.FLAG_MEDIAN, factor=MEDIAN_FACTOR, grams=int(median_g))
    return ""


def flag_columns(flag: str) -> dict:
    """The stored code and params of a flag reason ("" and None when not flagged)."""
    code, params = code_and_params(flag)
    return {"flag_code": code, "flag_params": params}


def flag_weight_limit(session: Session) -> int:
    """The weight over which a reading is flagged: ZW_FLAG_WEIGHT_G of the instance (carried by
    the session, `tracker.db.Database`), the same for the form, the API, the CSV and the ingest."""
    return int(session.info.get("flag_weight_g", FLAG_WEIGHT_G))


@lru_cache(maxsize=16)
def _median_query(last: int, excluding: bool):
    """`stream_median`'s statement, built once: every weigh-in runs it, and building it cost
    more than running it from SQLAlchemy's cache (docs/production.md, "Web speed")."""
    query = select(WeighIn.weight_g).where(WeighIn.household_id == bindparam("household_id"),
                                           WeighIn.stream == bindparam("stream"),
                                           WeighIn.status == WeighInStatus.ACCEPTED)
    if excluding:
        query = query.where(WeighIn.id != bindparam("exclude_id"))
    return query.order_by(WeighIn.measured_at.desc()).limit(last)


def stream_median(session: Session, household_id: int, stream: str, last: int = 50,
                  exclude_id: int | None = None) -> float | None:
    """The median of the household's last accepted weigh-ins of a bin (None when too few);
    `exclude_id`: a weigh-in being corrected, whose old value must not vouch for its new one."""
    params = {"household_id": household_id, "stream": stream}
    if exclude_id is not None:
        params["exclude_id"] = exclude_id
    session.flush()  # what autoflush would do; then the Core path (the ORM's cost a tenth of a POST)
    weights = session.connection().execute(_median_query(last, exclude_id is not None),
                                           params).scalars().all()
    if len(weights) < MEDIAN_MIN_SAMPLES:
        return None
    return float(statistics.median(weights))


def weighin_values(household: Household, *, stream: str, weight_g: int,
                   measured_at: dt.datetime, source: str, note: str = "",
                   median_g: float | None = None, now: dt.datetime | None = None,
                   bounds: tuple[dt.datetime, dt.datetime] | None = None,
                   flag_weight_g: int = FLAG_WEIGHT_G) -> dict:
    """Check one weigh-in and return its column values (status and flag reason decided): the
    rules of every source, for one row (`record_weighin`) or a bulk insert (the CSV import)."""
    if source not in SOURCES:
        raise DomainError(f"unknown source {source!r}", "source")
    check_stream(household, stream)
    check_weight(weight_g)
    check_measured_at(household, measured_at, now, bounds)
    reason = flag_reason(weight_g, median_g, flag_weight_g)
    return {"household_id": household.id, "stream": stream, "weight_g": weight_g,
            "measured_at": measured_at, "source": source,
            "status": WeighInStatus.FLAGGED if reason else WeighInStatus.ACCEPTED,
            "flag_reason": str(reason),
            **flag_columns(reason),
            "note": note or ""}


def record_weighin(session: Session, household: Household, *, stream: str, weight_g: int,
                   measured_at: dt.datetime, source: str, device: Device | None = None,
                   seq: int | None = None, note: str = "", import_key: str | None = None,
                   median_g: float | None = None, now: dt.datetime | None = None,
                   check_median: bool = True, flush: bool = True) -> WeighIn:
    """Check and add one weigh-in; doubtful ones are stored `flagged` and not counted."""
    check_stream(household, stream)  # before the median's query
    if median_g is None and check_median:
        median_g = stream_median(session, household.id, stream)
    weighin = WeighIn(**weighin_values(household, stream=stream, weight_g=weight_g,
                                       measured_at=measured_at, source=source, note=note,
                                       median_g=median_g, now=now,
                                       flag_weight_g=flag_weight_limit(session)),
                      device_id=device.id if device else None, seq=seq, import_key=import_key)
    session.add(weighin)
    if flush:
        session.flush()
    return weighin


def get_weighin(session: Session, household: Household, weighin_id: int) -> WeighIn:
    """The household's own weigh-in; another household's is answered as not found."""
    weighin = session.get(WeighIn, weighin_id)
    if weighin is None or weighin.household_id != household.id:
        raise NotFound(_l("No such weigh-in in your household."), "id")
    return weighin


def list_weighins(session: Session, household: Household, limit: int | None = None,
                  offset: int = 0) -> list[WeighIn]:
    """The household's weigh-ins, newest first."""
    query = (select(WeighIn).where(WeighIn.household_id == household.id)
             .order_by(WeighIn.measured_at.desc(), WeighIn.id.desc()).offset(offset))
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def correct_weighin(session: Session, household: Household, weighin_id: int, *,
                    stream: str | None = None, weight_g: int | None = None,
                    measured_at: dt.datetime | None = None, note: str | None = None,
                    now: dt.datetime | None = None) -> WeighIn:
    """Change a weigh-in of the household; every rule is checked before anything changes."""
    weighin = get_weighin(session, household, weighin_id)
    new_stream = weighin.stream if stream is None else stream
    new_weight = weighin.weight_g if weight_g is None else weight_g
    new_time = weighin.measured_at if measured_at is None else measured_at
    check_stream(household, new_stream)
    check_weight(new_weight)
    if measured_at is not None:
        check_measured_at(household, new_time, now)
    if weight_g is not None or stream is not None:
        reason = flag_reason(new_weight, stream_median(session, household.id, new_stream,
                                                       exclude_id=weighin.id),
                             flag_weight_limit(session))
        if weighin.status != WeighInStatus.REJECTED:
            weighin.status = WeighInStatus.FLAGGED if reason else WeighInStatus.ACCEPTED
        weighin.flag_reason = str(reason)
        weighin.flag_code, weighin.flag_params = code_and_params(reason)
    weighin.stream, weighin.weight_g, weighin.measured_at = new_stream, new_weight, new_time
    if note is not None:
        weighin.note = note
    session.flush()
    return weighin


def delete_weighin(session: Session, household: Household, weighin_id: int) -> None:
    """Delete one of the household's weigh-ins."""
    session.delete(get_weighin(session, household, weighin_id))
    session.flush()


def review_weighin(session: Session, weighin_id: int, status: str) -> WeighIn:
    """Staff accept or reject a (flagged) weigh-in."""
    if status not in (WeighInStatus.ACCEPTED, WeighInStatus.REJECTED):
        raise DomainError(_l("A review accepts or rejects."), "status")
    weighin = session.get(WeighIn, weighin_id)
    if weighin is None:
        raise NotFound()
    weighin.status = status
    session.flush()
    return weighin
