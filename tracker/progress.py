"""The read side: database rows straight into the DataFrames of `dashboards.method`.

No ORM objects on this path: a cohort of 10,000 households has millions of weigh-ins, so rows
are read with plain SQL into pandas and times are parsed once, vectorised.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import pandas as pd
import numpy as np
from sqlalchemy import BigInteger, bindparam, cast, func, select
from sqlalchemy.engine import Connection

from dashboards.household import HouseholdTables
from dashboards.household import household_tables as one_household
from dashboards.method import (EditionParams, cohort_progress, household_progress,
                               progress_tables, week_coverage)
from tracker import aggregates, clock
from tracker.models import (Absence, AcceptedMonth, Edition, Household, HouseholdSize,
                            WeighIn)


def edition_params(edition: Edition) -> EditionParams:
    """The method's parameters of an edition."""
    return EditionParams(start=edition.start_date, months=edition.months,
                         baseline_months=edition.baseline_months,
                         target_pct=float(edition.target_pct),
                         counted_streams=tuple(edition.counted_streams),
                         timezone=edition.timezone)


def today(edition: Edition) -> dt.date:
    """Today's date in the edition's time zone."""
    return clock.now().astimezone(ZoneInfo(edition.timezone)).date()


@dataclass
class Frames:
    """The three input tables of the method."""

    weighins: pd.DataFrame
    sizes: pd.DataFrame
    households: pd.DataFrame
    absences: pd.DataFrame | None = None
    accepted: pd.DataFrame | None = None
    #: the monthly aggregates of the months over (`tracker.aggregates`); None: all raw
    cells: pd.DataFrame | None = None


HOUSEHOLD_COLUMNS = {"household_id": "int64", "name": object}
SIZE_COLUMNS = {"household_id": "int64", "persons": "int64", "valid_from": object}
#: Up to this many households, rows are read through SQLAlchemy (see `read_columns`).
SMALL_READ = aggregates.SMALL_READ
ABSENCE_COLUMNS = {"household_id": "int64", "date_from": object, "date_to": object}
ACCEPTED_COLUMNS = {"household_id": "int64", "month": "int64"}
WEIGHIN_COLUMNS = {"household_id": "int64", "epoch_ms": "int64", "stream": object,
                   "weight_g": "int64", "status": object}


def _epoch_ms(dialect: str):
    """measured_at as UTC epoch milliseconds, computed by the database (no string parsing here).

    Milliseconds, not seconds: rounding 23:59:59.7 to the second would move it to the next day.
    """
    if dialect == "sqlite":  # stored as naive UTC text by UTCDateTime; julianday beats strftime
        return cast(func.round((func.julianday(WeighIn.measured_at) - 2440587.5) * 86_400_000),
                    BigInteger).label("epoch_ms")
    return cast(func.floor(func.extract("epoch", WeighIn.measured_at) * 1000),
                BigInteger).label("epoch_ms")


def read_columns(conn: Connection, query, columns: dict, bulk: bool = True
                 ) -> dict[str, np.ndarray]:
    """Rows of a query into typed numpy columns.

    `bulk`: straight from the DBAPI cursor (no Row objects, for an edition's millions of
    rows); otherwise through SQLAlchemy, whose compiled-statement cache makes a small read
    (one household's page) cheaper than compiling the query again.
    """
    with aggregates.bulk_rows():  # no collector passes set off by the rows' tuples
        rows = aggregates._fetch(conn, query, bulk)
        data = list(zip(*rows)) or [()] * len(columns)
        del rows
        return {name: np.array(values, dtype=kind)
                for (name, kind), values in zip(columns.items(), data)}


def _as_date(value) -> dt.date:
    """A date column value: SQLite's raw cursor gives ISO text, other paths dates."""
    return dt.date.fromisoformat(value[:10]) if isinstance(value, str) else value


def _as_dates(values: np.ndarray) -> np.ndarray:
    """A date column as datetime64[D], converted at once (`_as_date` of each value: the first
    ten characters of SQLite's ISO text, or the driver's dates); the method takes either."""
    if len(values) and isinstance(values[0], str):
        return values.astype("U10").astype("datetime64[D]")
    return np.array(values.tolist(), dtype="datetime64[D]")


def load_frames(conn: Connection, edition_id: int,
                household_ids: list[int] | None = None, weighins_between=None) -> Frames:
    """Read an edition's households, sizes and weigh-ins into DataFrames.

    `weighins_between`: (lo, hi) UTC instants, only the weigh-ins in [lo, hi) are read;
    ``()``: none (the monthly aggregates stand for them, see `load_inputs`)."""
    hh = select(Household.id.label("household_id"), Household.name).where(
        Household.edition_id == edition_id)
    sz = (select(HouseholdSize.household_id, HouseholdSize.persons, HouseholdSize.valid_from)
          .join(Household).where(Household.edition_id == edition_id))
    epoch = _epoch_ms(conn.dialect.name)
    wi = (select(WeighIn.household_id, epoch, WeighIn.stream, WeighIn.weight_g,
                 WeighIn.status).join(Household).where(Household.edition_id == edition_id))
    ab = (select(Absence.household_id, Absence.date_from, Absence.date_to)
          .join(Household).where(Household.edition_id == edition_id))
    ac = (select(AcceptedMonth.household_id, AcceptedMonth.month)
          .join(Household).where(Household.edition_id == edition_id))
    if weighins_between:
        wi = wi.where(WeighIn.measured_at >= weighins_between[0],
                      WeighIn.measured_at < weighins_between[1])
    if household_ids is not None:
        hh = hh.where(Household.id.in_(household_ids))
        sz = sz.where(HouseholdSize.household_id.in_(household_ids))
        wi = wi.where(WeighIn.household_id.in_(household_ids))
        ab = ab.where(Absence.household_id.in_(household_ids))
        ac = ac.where(AcceptedMonth.household_id.in_(household_ids))
    bulk = household_ids is None or len(household_ids) > SMALL_READ
    households = pd.DataFrame(read_columns(conn, hh, HOUSEHOLD_COLUMNS, bulk))
    sizes = read_columns(conn, sz, SIZE_COLUMNS, bulk)
    sizes["valid_from"] = _as_dates(sizes["valid_from"])
    sizes = pd.DataFrame(sizes)
    if weighins_between is not None and not weighins_between:  # the aggregates stand for all
        w = {name: np.array([], dtype=kind) for name, kind in WEIGHIN_COLUMNS.items()}
    else:
        w = read_columns(conn, wi, WEIGHIN_COLUMNS, bulk)
    weighins = pd.DataFrame({  # one frame built once: adding columns later copies
        "household_id": w["household_id"],
        "measured_at": pd.to_datetime(w["epoch_ms"], unit="ms", utc=True),
        "stream": w["stream"], "weight_g": w["weight_g"], "status": w["status"]})
    absences = read_columns(conn, ab, ABSENCE_COLUMNS, bulk)
    for c in ("date_from", "date_to"):
        absences[c] = _as_dates(absences[c])
    accepted = pd.DataFrame(read_columns(conn, ac, ACCEPTED_COLUMNS, bulk))
    return Frames(weighins, sizes, households, pd.DataFrame(absences), accepted)


@dataclass
class Progress:
    """What the method gives for an edition at a date."""

    params: EditionParams
    as_of: dt.date
    households: pd.DataFrame
    streams: pd.DataFrame
    cohort: pd.DataFrame


def weeks(conn: Connection, edition: Edition, household_id: int,
          as_of: dt.date | None = None) -> pd.DataFrame:
    """The started week blocks of one household (``week_coverage``): which are covered."""
    as_of = as_of or today(edition)
    frames = load_inputs(conn, edition, as_of, [household_id])
    return week_coverage(frames.weighins, frames.sizes, frames.households,
                         edition_params(edition), as_of,
                         absences=frames.absences, cells=frames.cells)


def load_inputs(conn: Connection, edition: Edition, as_of: dt.date,
                household_ids: list[int] | None = None) -> Frames:
    """The method's inputs at `as_of`: the monthly aggregates of the months over, and the raw
    weigh-ins of the month in progress only (issue 19: the cohort page read every row)."""
    raw = aggregates.raw_range(edition, as_of)
    frames = load_frames(conn, edition.id, household_ids, raw or ())
    bulk = household_ids is None or len(household_ids) > SMALL_READ
    frames.cells = aggregates.cells_frame(conn, edition, as_of, household_ids, bulk)
    return frames


def compute(conn: Connection, edition: Edition, as_of: dt.date | None = None,
            household_ids: list[int] | None = None, with_streams: bool = True,
            with_cohort: bool = True) -> Progress:
    """The progress tables of an edition (or some of its households) at `as_of` (default today).

    `with_cohort=False` (streams wanted) leaves `cohort` empty, for one household's page.
    """
    params = edition_params(edition)
    as_of = as_of or today(edition)
    if with_streams:  # per-bin figures: raw rows (one household's page, the public report)
        frames = load_frames(conn, edition.id, household_ids)
        households, streams, cohort = progress_tables(frames.weighins, frames.sizes,
                                                      frames.households, params, as_of,
                                                      with_cohort=with_cohort,
                                                      absences=frames.absences,
                                                      accepted=frames.accepted)
        return Progress(params, as_of, households, streams, cohort)
    frames = load_inputs(conn, edition, as_of, household_ids)
    households = household_progress(frames.weighins, frames.sizes, frames.households, params,
                                    as_of, absences=frames.absences, accepted=frames.accepted,
                                    cells=frames.cells)
    return Progress(params, as_of, households, pd.DataFrame(), cohort_progress(households))


@lru_cache(maxsize=4)
def _household_queries(dialect: str) -> tuple:
    """The four reads of one household's rows (built once per dialect: a page reads them on
    every request, and building a statement costs more than running it from the cache)."""
    hid = bindparam("household_id")
    return (
        select(HouseholdSize.persons, HouseholdSize.valid_from)
        .where(HouseholdSize.household_id == hid).order_by(HouseholdSize.id),
        select(_epoch_ms(dialect), WeighIn.stream, WeighIn.weight_g, WeighIn.status)
        .where(WeighIn.household_id == hid),
        select(Absence.date_from, Absence.date_to).where(Absence.household_id == hid),
        select(AcceptedMonth.month).where(AcceptedMonth.household_id == hid),
    )


def household_tables(conn: Connection, edition: Edition, household_id: int, name: str,
                     as_of: dt.date | None = None) -> HouseholdTables:
    """One household's progress, bins and week tables at `as_of` (default today), by the
    plain-Python path (`dashboards.household`): the family page, without pandas' fixed costs.
    Identical to `compute(..., household_ids=[household_id])` and `weeks` (tested)."""
    sizes, weighins, absences, accepted = (
        conn.execute(query, {"household_id": household_id}).all()
        for query in _household_queries(conn.dialect.name))
    return one_household(edition_params(edition), as_of or today(edition), household_id, name,
                         sizes=[(p, _as_date(d)) for p, d in sizes], weighins=weighins,
                         absences=[(_as_date(a), _as_date(b)) for a, b in absences],
                         accepted=[m for (m,) in accepted])
