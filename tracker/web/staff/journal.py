"""The staff actions log (audit log), in sentences (tracker/web/common/audit_words.py)."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from sqlalchemy import select

from tracker.extensions import db
from tracker.models import Household
from tracker.services import audit
from tracker.web.common.auth import staff_required

bp = Blueprint("staff_journal", __name__)


@bp.route("/equipe/journal")
@staff_required
def index():
    """Staff actions on household data, newest first."""
    page = max(1, request.args.get("page", 1, type=int))
    rows, total = audit.entries(db(), limit=100, offset=(page - 1) * 100)
    ids = {e.household_id for e in rows if e.household_id}
    names = dict(db().execute(select(Household.id, Household.name)
                              .where(Household.id.in_(ids))).all()) if ids else {}
    return render_template("privacy/audit_log.html", entries=rows, page=page,
                           has_next=page * 100 < total, names=names)
