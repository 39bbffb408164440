"""Staff data quality: doubtful (flagged) readings to accept or reject, scales that send more
readings than is plausible, and the dead letters.

A flagged reading does not count until staff accept it (`services.review_weighin`); a
rejected one never counts. Dead letters ("Messages refusés" on the page) are the MQTT
messages the ingest refused, latest first: the scale's household beside its id, the reason in
words with what it means and what to do (tracker.web.common.reasons), the payload escaped and cut
short.
"""
from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload

from tracker import services
from tracker.domain import WeighInStatus
from tracker.domain.reasons import Code
from tracker.extensions import db
from tracker.models import DeadLetter, Device, Edition, Household, WeighIn
from tracker.services import audit
from tracker.web.common.auth import staff_required
from tracker.web.common.forms import Raw
from tracker.web.common.urls import safe_target
from tracker.web.staff.cohort import LABELS

bp = Blueprint("staff_quality", __name__, url_prefix="/equipe/qualite")

FLAGGED_PAGE = 50
LETTERS_PAGE = 25
#: Characters of a dead letter's payload shown on the page (the ingest keeps a few KiB).
PAYLOAD_SHOWN = 400


def _page(name: str) -> int:
    return min(max(1, request.args.get(name, 1, type=int)), 100_000)  # no 64-bit overflow


def _edition_filter() -> Edition | None:
    slug = request.args.get("defi")
    return services.get_edition(db(), slug) if slug else None


def flagged_weighins(edition: Edition | None, page: int) -> tuple[list[WeighIn], int]:
    """A page of flagged weigh-ins, latest first, with their household; and how many in all."""
    where = [WeighIn.status == WeighInStatus.FLAGGED]
    if edition is not None:
        where.append(Household.edition_id == edition.id)
    total = db().scalar(select(func.count(WeighIn.id)).join(Household).where(*where))
    rows = db().scalars(
        select(WeighIn).join(Household).where(*where)
        .options(joinedload(WeighIn.household).joinedload(Household.edition))
        .order_by(WeighIn.measured_at.desc(), WeighIn.id.desc())
        .offset((page - 1) * FLAGGED_PAGE).limit(FLAGGED_PAGE)).all()
    return list(rows), total


def busy_scales(edition: Edition | None, limit: int = 50) -> list[dict]:
    """Scales with readings past the hourly limit (flagged by the ingest), latest first: the
    household, how many readings went past it, how many still wait for a decision."""
    where = [WeighIn.flag_code == Code.RATE.value]
    if edition is not None:
        where.append(Household.edition_id == edition.id)
    latest = func.max(WeighIn.measured_at)
    rows = db().execute(
        select(WeighIn.device_id, WeighIn.household_id, func.count(WeighIn.id),
               func.sum(case((WeighIn.status == WeighInStatus.FLAGGED, 1), else_=0)), latest)
        .join(Household).where(*where).group_by(WeighIn.device_id, WeighIn.household_id)
        .order_by(latest.desc()).limit(limit)).all()
    homes = {h.id: h for h in db().scalars(
        select(Household).where(Household.id.in_({r[1] for r in rows}))
        .options(joinedload(Household.edition)))}
    return [{"device_id": device_id, "household": homes[household_id], "past": past,
             "to_check": int(to_check or 0), "latest": when}
            for device_id, household_id, past, to_check, when in rows]


def dead_letters(page: int) -> tuple[list[DeadLetter], int]:
    """A page of dead letters, latest first; and how many in all."""
    total = db().scalar(select(func.count(DeadLetter.id)))
    rows = db().scalars(select(DeadLetter)
                        .order_by(DeadLetter.received_at.desc(), DeadLetter.id.desc())
                        .offset((page - 1) * LETTERS_PAGE).limit(LETTERS_PAGE)).all()
    return list(rows), total


def scales_of(letters: list[DeadLetter]) -> dict[str, Device]:
    """The paired scales named by these dead letters, with their household (names shown)."""
    ids = {letter.device_id for letter in letters if letter.device_id}
    if not ids:
        return {}
    return {d.id: d for d in db().scalars(
        select(Device).where(Device.id.in_(ids))
        .options(joinedload(Device.household).joinedload(Household.edition)))}


def _pages(total: int, size: int) -> int:
    return max(1, -(-total // size))


@bp.route("/")
@staff_required
def index():
    """Flagged readings (accept or reject) and dead letters, each paged on its own."""
    edition = _edition_filter()
    page, letters_page = _page("page"), _page("lettres")
    flagged, n_flagged = flagged_weighins(edition, page)
    letters, n_letters = dead_letters(letters_page)
    return render_template(
        "staff/quality.html", edition=edition, flagged=flagged, n_flagged=n_flagged,
        busy=busy_scales(edition),
        hourly_limit=current_app.config["ZW"].ingest_max_readings_per_hour,
        page=page, pages=_pages(n_flagged, FLAGGED_PAGE), letters=letters,
        scales=scales_of(letters),
        n_letters=n_letters, letters_page=letters_page,
        letters_pages=_pages(n_letters, LETTERS_PAGE), payload_shown=PAYLOAD_SHOWN,
        zone=ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Europe/Paris")),
        **LABELS)


class ReviewForm(FlaskForm):
    """accepted or rejected; `next`: the page to come back to (checked by safe_target)."""

    decision = Raw()
    next = Raw()


@bp.route("/pesees/<int:weighin_id>", methods=["POST"])
@staff_required
def review(weighin_id: int):
    """Accept (it counts from now on) or reject (it never counts) a weigh-in."""
    form = ReviewForm()
    decision = form.decision.data
    if decision not in (WeighInStatus.ACCEPTED, WeighInStatus.REJECTED):
        abort(400)
    weighin = services.review_weighin(db(), weighin_id, decision)
    audit.record(db(), current_user, "weighin.review", household_id=weighin.household_id,
                 weighin=weighin.id, decision=decision, weight_g=weighin.weight_g)
    db().commit()
    kg = format_decimal(weighin.weight_g / 1000, format="#,##0.###")
    flash(_("Weigh-in of %(kg)s kg accepted: it counts now.", kg=kg)
          if decision == WeighInStatus.ACCEPTED
          else _("Weigh-in of %(kg)s kg rejected: it does not count.", kg=kg), "success")
    return redirect(safe_target(form.next.data) or url_for(".index"))
