"""Sign-in and sign-out (email + password), account loading for pages and API tokens."""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import joinedload
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired

from tracker import services
from tracker.extensions import db, login_manager
from tracker.models import Account, Household
from tracker.web.urls import safe_target

bp = Blueprint("auth", __name__)


class SignInForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])
    remember = BooleanField("Remember me", default=True)


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = None
    login_manager.session_protection = "strong"


@login_manager.user_loader
def _load_account(account_id: str):
    account = db().get(Account, int(account_id), options=[  # one query for every page
        joinedload(Account.household).joinedload(Household.edition)])
    return account if account is not None and account.active else None


@login_manager.request_loader
def _load_from_token(req):
    header = req.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return services.account_for_token(db(), header[7:].strip())
    return None


def staff_required(view):
    """Only staff and admins; others get 403, anonymous visitors the sign-in page."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_staff:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def family_required(view):
    """Only accounts that belong to a household."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if current_user.household_id is None:
            return redirect(url_for("staff.index")) if current_user.is_staff else abort(403)
        return view(*args, **kwargs)

    return wrapped


@bp.route("/connexion", methods=["GET", "POST"])
def sign_in():
    form = SignInForm()
    if form.validate_on_submit():
        account = services.authenticate(db(), form.email.data, form.password.data)
        if account is None:
            flash(_("Unknown email or wrong password."), "error")
        else:
            login_user(account, remember=form.remember.data)
            return redirect(safe_target(request.args.get("next")) or url_for("family.home"))
    return render_template("auth/sign_in.html", form=form), 200 if request.method == "GET" else 400


@bp.route("/deconnexion", methods=["POST"])
def sign_out():
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.sign_in"))
