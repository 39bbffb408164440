"""Published cohort figures, frozen at publication.

What staff publish at /resultats/<slug> is a statement made on a date: the press, the
syndicate's council and the families quote it. So the public page shows the figures as they
were when staff published them, kept as a snapshot (`EditionSettings.report_figures`): the
headline numbers, the per-bin table, participation, and the month-by-month table the chart is
drawn from. A household erased afterwards, a late weigh-in or a correction changes the staff's
live report, not the published one, until staff republish explicitly (audited as
`report.republish`). The snapshot holds aggregates only, like the page.

A report published before snapshots existed is frozen the first time its public page is read.
"""
from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from tracker import clock
from tracker.models import Account, Edition
from tracker.models import EditionSettings
from tracker.services import audit, reports
from tracker.services.preferences import edition_settings

#: Bumped when the snapshot's shape changes (older ones are still read).
VERSION = 1
_DATE_COLUMNS = ("month_start", "month_end")
_SCALARS = ("month", "month_complete", "reduction_pct", "median_reduction_pct",
            "households_at_target", "households_with_data", "households", "avoided_kg")


def _plain(value):
    """A JSON value: dates as ISO text, NaN as null, numpy scalars as Python ones."""
    if isinstance(value, dt.date):  # datetimes and pandas Timestamps too
        return value.isoformat()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def _date(value):
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def figures_of(report: reports.CohortReport) -> dict:
    """The snapshot of a cohort report (JSON-ready)."""
    cohort = report.cohort
    return {
        "version": VERSION, "as_of": report.as_of.isoformat(),
        "target_pct": report.edition.target_pct,
        **{name: _plain(getattr(report, name)) for name in _SCALARS},
        "participation": [{k: _plain(v) for k, v in p.items()} for p in report.participation],
        "bins": [{k: _plain(v) for k, v in b.items()} for b in report.bins],
        "cohort": {"columns": list(cohort.columns), "dtypes": [str(t) for t in cohort.dtypes],
                   "rows": [[_plain(v) for v in row]
                            for row in cohort.itertuples(index=False, name=None)]},
    }


def _cohort_frame(data: dict) -> pd.DataFrame:
    frame = pd.DataFrame(data["rows"], columns=data["columns"])
    for column, dtype in zip(data["columns"], data["dtypes"]):
        if column in _DATE_COLUMNS:
            frame[column] = frame[column].map(_date)
        elif dtype != "object":
            frame[column] = pd.to_numeric(frame[column]).astype(dtype)
    return frame


def report_from(edition: Edition, figures: dict) -> reports.CohortReport:
    """The cohort report as published (the edition is today's; its figures are the frozen)."""
    return reports.CohortReport(
        edition=edition, as_of=dt.date.fromisoformat(figures["as_of"]),
        **{name: figures[name] for name in _SCALARS},
        participation=[{**p, "month_start": _date(p.get("month_start"))}
                       for p in figures["participation"]],
        bins=list(figures["bins"]), cohort=_cohort_frame(figures["cohort"]),
        target_pct=figures.get("target_pct", edition.target_pct))


def publish(session: Session, edition: Edition, actor: Account | None) -> EditionSettings:
    """Publish the cohort report as it stands now (or republish: the figures are replaced)."""
    settings = edition_settings(session, edition)
    action = "report.republish" if settings.report_published_at else "report.publish"
    settings.report_figures = figures_of(reports.cohort_report(session, edition))
    settings.report_published_at = clock.now()
    audit.record(session, actor, action, edition_id=edition.id)
    session.flush()
    return settings


def withdraw(session: Session, edition: Edition, actor: Account | None) -> EditionSettings:
    """The report is no longer public; its snapshot goes too (a later publication is new)."""
    settings = edition_settings(session, edition)
    settings.report_published_at = None
    settings.report_figures = None
    audit.record(session, actor, "report.withdraw", edition_id=edition.id)
    session.flush()
    return settings


def published_report(session: Session, edition: Edition) -> reports.CohortReport | None:
    """The report as published, None when it is not public."""
    settings = edition_settings(session, edition)
    if settings.report_published_at is None:
        return None
    if not settings.report_figures:  # published before snapshots existed: frozen now
        settings.report_figures = figures_of(reports.cohort_report(session, edition))
        session.flush()
    return report_from(edition, settings.report_figures)
