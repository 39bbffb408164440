"""The read side: database rows straight into the DataFrames of `dashboards.method`.

No ORM objects on this path: a cohort of 10,000 households has millions of weigh-ins, so rows
are read with plain SQL into pandas and times are parsed once, vectorised.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pandas as pd
import numpy as np
from sqlalchemy import BigInteger, cast, func, select
from sqlalchemy.engine import Connection

from dashboards.method import (EditionParams, cohort_progress, household_progress,
                               progress_tables)
from tracker import clock
from tracker.models import Edition, Household, HouseholdSize, WeighIn


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


def _read_columns(conn: Connection, query, columns: dict) -> pd.DataFrame:
    """Rows of a query straight from the DBAPI cursor into typed columns (no Row objects)."""
    compiled = query.compile(conn, compile_kwargs={"render_postcompile": True})
    params = compiled.params
    if compiled.positiontup:
        params = tuple(params[k] for k in compiled.positiontup)
    cursor = conn.connection.driver_connection.cursor()
    try:
        cursor.execute(str(compiled), params)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    if not rows:
        return pd.DataFrame({name: pd.Series(dtype=kind) for name, kind in columns.items()})
    data = list(zip(*rows))
    return pd.DataFrame({name: np.array(values, dtype=kind)
                         for (name, kind), values in zip(columns.items(), data)})


def load_frames(conn: Connection, edition_id: int,
                household_ids: list[int] | None = None) -> Frames:
    """Read an edition's households, sizes and weigh-ins into DataFrames."""
    hh = select(Household.id.label("household_id"), Household.name).where(
        Household.edition_id == edition_id)
    sz = (select(HouseholdSize.household_id, HouseholdSize.persons, HouseholdSize.valid_from)
          .join(Household).where(Household.edition_id == edition_id))
    epoch = _epoch_ms(conn.dialect.name)
    wi = (select(WeighIn.household_id, epoch, WeighIn.stream, WeighIn.weight_g,
                 WeighIn.status).join(Household).where(Household.edition_id == edition_id))
    if household_ids is not None:
        hh = hh.where(Household.id.in_(household_ids))
        sz = sz.where(HouseholdSize.household_id.in_(household_ids))
        wi = wi.where(WeighIn.household_id.in_(household_ids))
    households = pd.read_sql_query(hh, conn)
    sizes = pd.read_sql_query(sz, conn)
    sizes["valid_from"] = pd.to_datetime(sizes["valid_from"]).dt.date
    weighins = _read_columns(conn, wi, WEIGHIN_COLUMNS)
    weighins["measured_at"] = pd.to_datetime(weighins.pop("epoch_ms"), unit="ms", utc=True)
    weighins = weighins[["household_id", "measured_at", "stream", "weight_g", "status"]]
    return Frames(weighins, sizes, households)


@dataclass
class Progress:
    """What the method gives for an edition at a date."""

    params: EditionParams
    as_of: dt.date
    households: pd.DataFrame
    streams: pd.DataFrame
    cohort: pd.DataFrame


def compute(conn: Connection, edition: Edition, as_of: dt.date | None = None,
            household_ids: list[int] | None = None, with_streams: bool = True,
            with_cohort: bool = True) -> Progress:
    """The progress tables of an edition (or some of its households) at `as_of` (default today).

    `with_cohort=False` (streams wanted) leaves `cohort` empty, for one household's page.
    """
    params = edition_params(edition)
    as_of = as_of or today(edition)
    frames = load_frames(conn, edition.id, household_ids)
    if with_streams:
        households, streams, cohort = progress_tables(frames.weighins, frames.sizes,
                                                      frames.households, params, as_of,
                                                      with_cohort=with_cohort)
        return Progress(params, as_of, households, streams, cohort)
    households = household_progress(frames.weighins, frames.sizes, frames.households, params,
                                    as_of)
    return Progress(params, as_of, households, pd.DataFrame(), cohort_progress(households))
