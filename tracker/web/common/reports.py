"""The report pages that several audiences see: a household's journey (the family, staff) and
an edition's cohort report (staff, the public once published)."""
from __future__ import annotations

import plotly.graph_objects as go
from flask import render_template
from flask_babel import gettext as _

from dashboards.figures import STREAM_COLORS, ChartLabels, cohort_figure, household_figure_spec
from dashboards.reading import change_labels
from tracker.extensions import db
from tracker.models import Household
from tracker.services import reports
from tracker.services.preferences import edition_phase, edition_settings
from tracker.web.common.charts import HEIGHT_SMALL, chart_labels, embed


def bins_figure(bins: list[dict], labels: ChartLabels | None = None) -> go.Figure:
    """The change in waste per counted bin (bars, less waste below zero), in %, in the page's
    language."""
    labels = labels or chart_labels()
    reductions = [b["reduction_pct"] for b in bins]
    fig = go.Figure(go.Bar(
        x=[labels.streams.get(b["stream"], b["stream"]) for b in bins],
        y=[None if r is None else -r for r in reductions],
        marker_color=[STREAM_COLORS.get(b["stream"], "#1f6b3a") for b in bins],
        customdata=change_labels(reductions, words=labels.words),
        hovertemplate=_("%{x}: %{customdata}") + "<extra></extra>"))
    fig.update_layout(separators=labels.separators,  # template: added by figure_html
                      yaxis_title=_("Change in waste against the reference (%)"))
    return fig


def household_page(household: Household, back: str | None):
    report = reports.household_report(db(), household)
    chart = None
    labels = chart_labels()
    if len(report.progress) and len(report.streams):
        chart = embed(household_figure_spec(report.streams, report.progress, household.id,
                                            labels=labels),
                      "household-chart")
    return render_template("reports/household.html", report=report, chart=chart, back=back,
                           edition=household.edition, stream_labels=labels.streams)


def cohort_page(edition, report: reports.CohortReport, public: bool):
    charts = {}
    labels = chart_labels()
    if len(report.cohort):
        charts["cohort"] = embed(cohort_figure(report.cohort, goal_pct=report.target_pct,
                                               labels=labels),
                                 "cohort-chart")
    if report.bins:
        charts["bins"] = embed(bins_figure(report.bins, labels), "bins-chart", HEIGHT_SMALL)
    settings = edition_settings(db(), edition)
    db().commit()
    return render_template("reports/cohort.html", report=report, charts=charts, public=public,
                           settings=settings, phase=edition_phase(edition),
                           stream_labels=labels.streams)
