"""A household's own data, as its family sees it: what is kept, the downloads, the erasure
request."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from tracker.extensions import db
from tracker.services import privacy
from tracker.services.preferences import household_settings
from tracker.web.common.auth import family_required
from tracker.web.common.downloads import household_download
from tracker.web.common.forms import Flag

bp = Blueprint("family_privacy", __name__)


class ErasureForm(FlaskForm):
    cancel = Flag()


@bp.route("/foyer/mes-donnees")
@family_required
def my_data():
    """What is kept, the downloads, the erasure request."""
    household = current_user.household
    settings = household_settings(db(), household)
    db().commit()
    return render_template("privacy/my_data.html", household=household, settings=settings)


@bp.route("/foyer/mes-donnees.<any(json, zip):kind>")
@family_required
def my_data_download(kind: str):
    return household_download(current_user.household, kind)


@bp.route("/foyer/effacement", methods=["POST"])
@family_required
def request_erasure():
    """Ask staff to erase the household (or withdraw the request)."""
    cancel = ErasureForm().cancel.data
    privacy.request_erasure(db(), current_user.household, cancel=cancel)
    db().commit()
    flash(_("Your request is withdrawn.") if cancel else
          _("Your request is sent: the team erases your data within a month and tells you "
            "by email."), "success")
    return redirect(url_for(".my_data"))
