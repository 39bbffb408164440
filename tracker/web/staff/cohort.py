"""Staff dashboards of one edition: the cohort overview and a household's page.

Both read the progress method's tables (`tracker.progress.compute`) at a date (``?date=``,
default today in the edition's time zone), so staff can look at the cohort as it stood on a
past day. The cohort table is sorted, filtered and paged on the server (query arguments), so
it works without JavaScript and stays light with thousands of households.
"""
from __future__ import annotations

import math
from zoneinfo import ZoneInfo

import numpy as np

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from dashboards.export import excel_fr_csv, progress_csv, progress_csv_excel_fr, progress_xlsx
from dashboards.figures import cohort_figure_spec, household_figure_spec
from dashboards.reading import cohort_as_read, too_early_months
from dashboards.sentences import current_sentence
from tracker import services
from tracker.domain import STREAM_LABELS
from tracker.extensions import db
from tracker.models import Device, Edition, Household, WeighIn
from tracker.progress import compute, today
from tracker.services import coverage, staff_mail
from tracker.web.common import progress_view as pv
from tracker.web.common.auth import staff_required
from tracker.web.common.charts import chart_labels, embed
from tracker.web.common.weighin_form import SOURCE_LABELS, STATUS_LABELS

bp = Blueprint("staff_cohort", __name__, url_prefix="/equipe/defis")

#: Labels every staff page may use (bins, sources, statuses), in the page's language.
LABELS = {"stream_labels": STREAM_LABELS, "source_labels": SOURCE_LABELS,
          "status_labels": STATUS_LABELS}

PAGE_SIZE = 100
WEIGHINS_PAGE = 50
#: Page numbers are clamped: an offset past 64 bits would overflow the database's integers.
MAX_PAGE = 100_000
#: How many names the "gone silent" and "no baseline" boxes list before pointing to the table.
NAMES_SHOWN = 30


def _as_of(edition: Edition):
    """The date looked at (``?date=YYYY-MM-DD``, default today) and an error text if invalid."""
    raw = request.args.get("date", "")
    wanted = pv.parse_as_of(raw)
    if raw and wanted is None:
        return today(edition), _("“%(date)s” is not a date (YYYY-MM-DD): today is shown.",
                                 date=raw[:20])
    return wanted or today(edition), None


def _choice(name: str, allowed, default: str) -> str:
    value = request.args.get(name, default)
    return value if value in allowed else default


def _edition_or_404(slug: str) -> Edition:
    return services.get_edition(db(), slug)


def cohort_context(edition: Edition) -> dict:
    """Everything the cohort overview shows, for the query arguments of the request."""
    session = db()
    labels = chart_labels()
    as_of, date_error = _as_of(edition)
    result = compute(session.connection(), edition, as_of, with_streams=False)
    # a month too early to tell has no cohort figure on the page (dashboards/reading.py)
    hp = result.households
    cohort = cohort_as_read(result.cohort, too_early_months(hp))
    month = pv.shown_month(hp, request.args.get("mois", type=int))
    context = {"edition": edition, "as_of": as_of, "date_error": date_error, "month": month,
               "silent_days": pv.SILENT_DAYS, "n_households": int(hp["household_id"].nunique()) if len(hp) else
               session.scalar(select(func.count(Household.id))
                              .where(Household.edition_id == edition.id))}
    if month is None:
        return context
    sort = _choice("tri", pv.SORTS, "progres")
    descending = _choice("sens", ("asc", "desc"), "desc" if sort != "nom" else "asc") == "desc"
    which = _choice("filtre", pv.FILTERS, "tous")
    frame = pv.cohort_frame(hp, month, pv.last_weighin_days(session, edition, as_of), edition,
                            as_of)
    shown = pv.sort_frame(pv.filter_frame(frame, which), sort, descending)
    pages = max(1, math.ceil(len(shown) / PAGE_SIZE))
    page = min(max(1, request.args.get("page", 1, type=int)), pages)
    by_name = frame.sort_values("household", key=lambda s: s.str.casefold())
    # Silent households without an account: no reminder can reach them (invite them first).
    silent_ids = frame.loc[frame["silent"], "household_id"].to_numpy()
    no_account_ids = staff_mail.without_account_array(session, edition)
    no_account = set(no_account_ids[np.isin(no_account_ids, silent_ids)].tolist())
    context.update(
        sort=sort, descending=descending, which=which, page=page, pages=pages,
        lines=pv.household_lines(shown.iloc[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]),
        counts=pv.counts(frame), shown_count=len(shown),
        silent=pv.household_lines(by_name[by_name["silent"]].head(NAMES_SHOWN)),
        no_account=no_account, silent_without_account=len(no_account),  # (silent ones)
        no_baseline=pv.household_lines(by_name[by_name["no_baseline"]].head(NAMES_SHOWN)),
        cohort=pv.records(cohort), current=pv.records(cohort[cohort["month"] == month])[0],
        too_early=bool(frame["too_early"].any()),
        months=sorted(hp["month"].unique().tolist()),
        chart=embed(cohort_figure_spec(cohort, labels=labels, goal_pct=edition.target_pct,
                                  title=f"{labels.cohort_title} · {edition.name}"),
                    "cohort-chart"))
    return context


def query_with(**changes) -> dict:
    """The request's query arguments with some changed (None removes one); page reset."""
    args = {k: v for k, v in request.args.items() if k != "page"}
    args.update(changes)
    return {k: v for k, v in args.items() if v is not None}


@bp.app_context_processor
def _helpers() -> dict:
    return {"query_with": query_with}


@bp.route("/<slug>/")
@staff_required
def overview(slug: str):
    """The cohort month by month, and every household against the target path."""
    return render_template("staff/cohort.html", **cohort_context(_edition_or_404(slug)))


@bp.route("/<slug>/progression.<any(csv, xlsx):kind>")
@staff_required
def export(slug: str, kind: str):
    """The Progress CSV (or workbook) of DESIGN.md at the date looked at."""
    edition = _edition_or_404(slug)
    as_of, _error = _as_of(edition)
    result = compute(db().connection(), edition, as_of, with_streams=False)
    name = f"progression-{edition.slug}-{as_of.isoformat()}.{kind}"
    if kind == "csv":
        body, mimetype = progress_csv(result.households).encode("utf-8"), "text/csv"
    else:
        body = progress_xlsx(result.households, result.cohort)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/<slug>/progression-excel.csv")
@staff_required
def export_excel(slug: str):
    """The progress table for French Excel (`;`, BOM, French headers, decimal comma)."""
    edition = _edition_or_404(slug)
    as_of, _error = _as_of(edition)
    result = compute(db().connection(), edition, as_of, with_streams=False)
    name = f"progression-{edition.slug}-{as_of.isoformat()}-excel.csv"
    return Response(progress_csv_excel_fr(result.households), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


#: Columns of the weigh-ins download for French Excel (the `zw weighins export` rows).
WEIGHIN_HEADERS = ["Foyer", "Date", "Heure", "Poubelle", "Poids (kg)", "Origine", "Statut",
                   "Balance", "N° de message", "Note"]


def weighin_rows_fr(edition: Edition):
    """Every weigh-in of the edition in French form, oldest first (local date and time)."""
    zone = ZoneInfo(edition.timezone)
    query = (select(WeighIn, Household.name).join(Household)
             .where(Household.edition_id == edition.id)
             .order_by(WeighIn.measured_at, WeighIn.id))
    for w, name in db().execute(query):
        local = w.measured_at.astimezone(zone)
        yield [name, local.strftime("%d/%m/%Y"), local.strftime("%H:%M:%S"),
               str(STREAM_LABELS.get(w.stream, w.stream)),
               f"{w.weight_g / 1000:.3f}".replace(".", ","),
               str(SOURCE_LABELS.get(w.source, w.source)),
               str(STATUS_LABELS.get(w.status, w.status)), w.device_id or "",
               "" if w.seq is None else w.seq, w.note or ""]


@bp.route("/<slug>/pesees-excel.csv")
@staff_required
def weighins_excel(slug: str):
    """Every weigh-in of the edition for French Excel (source, scale, message number, status)."""
    edition = _edition_or_404(slug)
    body = excel_fr_csv(WEIGHIN_HEADERS, weighin_rows_fr(edition),
                        numeric={"Poids (kg)", "N° de message"})
    name = f"pesees-{edition.slug}-excel.csv"
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def household_context(edition: Edition, household: Household) -> dict:
    """Everything a household's staff page shows."""
    session = db()
    as_of, date_error = _as_of(edition)
    result = compute(session.connection(), edition, as_of, household_ids=[household.id])
    hp, sp = result.households, result.streams
    month = pv.shown_month(hp)
    page = min(max(1, request.args.get("page", 1, type=int)), MAX_PAGE)
    weighins = session.scalars(
        select(WeighIn).where(WeighIn.household_id == household.id)
        .order_by(WeighIn.measured_at.desc(), WeighIn.id.desc())
        .offset((page - 1) * WEIGHINS_PAGE).limit(WEIGHINS_PAGE + 1)).all()
    last = pv.last_weighins(session, edition, as_of, [household.id]).get(household.id)
    context = {
        "edition": edition, "household": household, "as_of": as_of, "date_error": date_error,
        "month": month, "zone": ZoneInfo(edition.timezone),
        "weighins": weighins[:WEIGHINS_PAGE], "page": page,
        "has_next": len(weighins) > WEIGHINS_PAGE,
        "devices": session.scalars(select(Device).where(Device.household_id == household.id)
                                   .order_by(Device.created_at, Device.id)).all(),
        "last_weighin": last, "days_silent": pv.days_without_weighin(edition, as_of, last),
        "silent_days": pv.SILENT_DAYS,
        "absences": coverage.absences(session, household),
        "accepted": coverage.accepted_months(session, household),
    }
    if month is None:
        return context
    streams = list(dict.fromkeys(sp["stream"]))
    rates = (sp.set_index(["month", "stream"])["g_per_person_week"].unstack("stream")
             .reindex(columns=streams))
    labels = chart_labels()  # the page's language, for the chart and the sentence
    months = pv.records(hp)
    for m in months:
        m["bins"] = {s: pv.value(rates.at[m["month"], s]) for s in streams}
    context.update(
        months_table=months, streams=streams, counted=set(edition.counted_streams),
        sentence=current_sentence(hp, household.id, edition.baseline_months,
                                  edition.target_pct, labels.words),
        current=months[-1],
        chart=embed(household_figure_spec(sp, hp, household.id, labels=labels),
                    "household-chart"))
    return context


@bp.route("/<slug>/foyers/<int:household_id>")
@staff_required
def household(slug: str, household_id: int):
    """A household month by month: rates per bin, target path, weigh-ins, sizes, scales."""
    edition = _edition_or_404(slug)
    found = db().get(Household, household_id)
    if found is None or found.edition_id != edition.id:
        abort(404)
    return render_template("staff/household.html", **LABELS,
                           **household_context(edition, found))


def household_url(household: Household) -> str:
    """The staff page of a household."""
    return url_for("staff_cohort.household", slug=household.edition.slug,
                   household_id=household.id)
