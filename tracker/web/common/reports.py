"""The report pages that several audiences see: a household's journey (the family, staff) and
an edition's cohort report (staff, the public once published)."""
from __future__ import annotations

import plotly.graph_objects as go
from flask import render_template

from dashboards.figures import (SEPARATORS, STREAM_COLORS, STREAM_LABELS, cohort_figure,
                                household_figure_spec)
from dashboards.reading import change_labels
from tracker.extensions import db
from tracker.models import Household
from tracker.services import reports
from tracker.services.preferences import edition_phase, edition_settings
from tracker.web.common.charts import HEIGHT_SMALL, chart_labels, embed


def bins_figure(bins: list[dict]) -> go.Figure:
    """The change in waste per counted bin (bars, less waste below zero), in %."""
    reductions = [b["reduction_pct"] for b in bins]
    fig = go.Figure(go.Bar(
        x=[STREAM_LABELS.get(b["stream"], b["stream"]) for b in bins],
        y=[None if r is None else -r for r in reductions],
        marker_color=[STREAM_COLORS.get(b["stream"], "#1f6b3a") for b in bins],
        customdata=change_labels(reductions),
        hovertemplate="%{x} : %{customdata}<extra></extra>"))
    fig.update_layout(separators=SEPARATORS,  # template: added by figure_html
                      yaxis_title="Évolution des déchets par rapport à la référence (%)")
    return fig


def household_page(household: Household, back: str | None):
    report = reports.household_report(db(), household)
    chart = None
    if len(report.progress) and len(report.streams):
        chart = embed(household_figure_spec(report.streams, report.progress, household.id,
                                            labels=chart_labels()),
                      "household-chart")
    return render_template("reports/household.html", report=report, chart=chart, back=back,
                           edition=household.edition, stream_labels=STREAM_LABELS)


def cohort_page(edition, report: reports.CohortReport, public: bool):
    charts = {}
    if len(report.cohort):
        charts["cohort"] = embed(cohort_figure(report.cohort, goal_pct=report.target_pct,
                                               labels=chart_labels()),
                                 "cohort-chart")
    if report.bins:
        charts["bins"] = embed(bins_figure(report.bins), "bins-chart", HEIGHT_SMALL)
    settings = edition_settings(db(), edition)
    db().commit()
    return render_template("reports/cohort.html", report=report, charts=charts, public=public,
                           settings=settings, phase=edition_phase(edition),
                           stream_labels=STREAM_LABELS)
