"""Sign-in and sign-out (email + password), account loading for pages and API tokens.

Each browser's sign-in is recorded (tracker.services.sessions): its cookies carry the account's
session generation and the sign-in's key, so signing out, signing out everywhere and a password
change revoke the cookies themselves, not only this browser's copy.
"""
from __future__ import annotations

from functools import wraps

from flask import (Blueprint, Flask, abort, current_app, flash, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _
from flask_login import COOKIE_NAME, current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired

from tracker import services
from tracker.extensions import db, login_manager
from tracker.services import sessions
from tracker.web.common.urls import safe_target

bp = Blueprint("auth", __name__)
#: Session key: this browser signed in by an email link (the account's id and when), which
#: lets it set a new password without the current one for a while: the password reset
#: (tracker.web.public.links sets it, tracker.web.common.account reads it).
LINK_SIGN_IN = "link_sign_in"


class SignInForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])
    remember = BooleanField("Remember me", default=True)


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = None
    # "basic": a new address or browser version marks the session not fresh instead of signing
    # the family out (issue 18); stolen cookies are revoked server-side (sign-out, generation).
    login_manager.session_protection = "basic"


@login_manager.user_loader
def _load_account(user_id: str):
    return sessions.account_for_session(db(), user_id)  # one query for every page


def start_session(account, *, remember: bool) -> None:
    """Sign this browser in: a new sign-in row, then Flask-Login's cookies carrying its key."""
    sessions.open_sign_in(db(), account, label=sessions.device_label(request.user_agent.string))
    db().commit()
    login_user(account, remember=remember)


def renew_session(account) -> None:
    """Give this browser cookies with the account's new generation (after a password change),
    keeping its remember-me cookie if it had one."""
    remembered = current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME) in request.cookies
    login_user(account, remember=remembered)


def bearer_account(header: str):
    """The account of an ``Authorization: Bearer <token>`` header, or None (no bearer header,
    an unknown or revoked token, an inactive account). The token's "last used", when due (at
    most every few minutes), is committed here, before the view: a page (a GET) never commits
    afterwards, so it was written, rolled back and written again on every page read with a
    token. Only when the look-up began the session's transaction and nothing was pending
    (the look-up flushes): it runs before the view (flask-login's loader, the API's
    authentication); if it ever ran inside a view's work, the view's own commit carries the
    token's date, or its rollback drops both."""
    if header[:7].lower() != "bearer ":
        return None
    session = db()
    alone = not (session.in_transaction() or session.new or session.dirty or session.deleted)
    account = services.account_for_token(session, header[7:].strip())
    if alone and session.info.pop(services.accounts.TOKEN_USED, False):
        session.commit()
    return account


@login_manager.request_loader
def _load_from_token(req):
    return bearer_account(req.headers.get("Authorization", ""))


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
            start_session(account, remember=form.remember.data)
            return redirect(safe_target(request.args.get("next")) or url_for("family.home"))
    return render_template("auth/sign_in.html", form=form), 200 if request.method == "GET" else 400


@bp.route("/deconnexion", methods=["POST"])
def sign_out():
    if current_user.is_authenticated:
        sessions.end_sign_in(db(), current_user)  # a copy of this browser's cookies dies too
        db().commit()
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.sign_in"))
