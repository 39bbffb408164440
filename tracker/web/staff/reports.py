"""End-of-challenge reports: a household's printable journey, the edition's cohort report
(staff, then public once published), with charts drawn by plotly.js served from this site."""
from __future__ import annotations

import plotly.graph_objects as go
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from dashboards.figures import (SEPARATORS, STREAM_COLORS, STREAM_LABELS, cohort_figure,
                                household_figure_spec)
from tracker import services
from tracker.extensions import db
from tracker.models import Household
from tracker.services import published, reports
from tracker.services.preferences import edition_phase, edition_settings
from tracker.web.common.auth import family_required, staff_required
from tracker.web.common.charts import HEIGHT_SMALL, embed

bp = Blueprint("life_reports", __name__)


def bins_figure(bins: list[dict]) -> go.Figure:
    """Reduction per counted bin (bars), in %."""
    fig = go.Figure(go.Bar(
        x=[STREAM_LABELS.get(b["stream"], b["stream"]) for b in bins],
        y=[b["reduction_pct"] for b in bins],
        marker_color=[STREAM_COLORS.get(b["stream"], "#1f6b3a") for b in bins],
        hovertemplate="%{x} : %{y:.1f} %<extra></extra>"))
    fig.update_layout(separators=SEPARATORS,  # template: added by figure_html
                      yaxis_title="Réduction par rapport à la référence (%)")
    return fig


def _household_page(household: Household, back: str | None):
    report = reports.household_report(db(), household)
    chart = None
    if len(report.progress) and len(report.streams):
        chart = embed(household_figure_spec(report.streams, report.progress, household.id),
                      "household-chart")
    return render_template("reports/household.html", report=report, chart=chart, back=back,
                           edition=household.edition, stream_labels=STREAM_LABELS)


@bp.route("/foyer/bilan")
@family_required
def household():
    """The family's own journey, printable."""
    return _household_page(current_user.household, None)


@bp.route("/equipe/foyers/<int:household_id>/bilan")
@staff_required
def staff_household(household_id: int):
    household = db().get(Household, household_id) or abort(404)
    return _household_page(household, url_for("life_privacy.staff_household",
                                              household_id=household_id))


def _cohort_page(edition, report: reports.CohortReport, public: bool):
    charts = {}
    if len(report.cohort):
        charts["cohort"] = embed(cohort_figure(report.cohort), "cohort-chart")
    if report.bins:
        charts["bins"] = embed(bins_figure(report.bins), "bins-chart", HEIGHT_SMALL)
    settings = edition_settings(db(), edition)
    db().commit()
    return render_template("reports/cohort.html", report=report, charts=charts, public=public,
                           settings=settings, phase=edition_phase(edition),
                           stream_labels=STREAM_LABELS)


@bp.route("/equipe/editions/<slug>/bilan")
@staff_required
def cohort(slug: str):
    """The live figures (staff), beside the state of the publication."""
    edition = services.get_edition(db(), slug)
    return _cohort_page(edition, reports.cohort_report(db(), edition), public=False)


@bp.route("/equipe/editions/<slug>/bilan/publier", methods=["POST"])
@staff_required
def publish(slug: str):
    """Publish the cohort report at /resultats/<slug>, republish today's figures, or withdraw
    it (`action`: publish, republish, withdraw; none: publish or withdraw, as the button)."""
    edition = services.get_edition(db(), slug)
    public = edition_settings(db(), edition).report_published_at is not None
    action = request.form.get("action") or ("withdraw" if public else "publish")
    if action == "withdraw":
        published.withdraw(db(), edition, current_user)
        message = _("The report is no longer public.")
    elif action in ("publish", "republish"):
        published.publish(db(), edition, current_user)
        message = _("The published figures are updated.") if public \
            else _("The report is published.")
    else:
        abort(400)
    db().commit()
    flash(message, "success")
    return redirect(url_for(".cohort", slug=slug))


@bp.route("/resultats/<slug>")
def public_cohort(slug: str):
    """The published results of an edition (aggregates only), as they were published."""
    edition = services.get_edition(db(), slug)
    report = published.published_report(db(), edition)
    if report is None:
        abort(404)
    return _cohort_page(edition, report, public=True)
