"""The family's own journey, printable (drawn by tracker/web/common/reports.py)."""
from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from tracker.web.common.auth import family_required
from tracker.web.common.reports import household_page

bp = Blueprint("family_reports", __name__)


@bp.route("/foyer/bilan")
@family_required
def household():
    """The family's own journey, printable."""
    return household_page(current_user.household, None)
