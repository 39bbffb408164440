"""The account page: password, signed-in browsers, sign-out everywhere, API tokens.

What revokes what (docs/production.md, "Sessions"): signing out ends this browser's sign-in;
signing out everywhere rotates the account's session generation, so every browser's session and
remember-me cookies stop working; a password change does the same for the other browsers and
revokes every API token; a token can also be revoked on its own here.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from flask_wtf import FlaskForm
from marshmallow import ValidationError
from wtforms import PasswordField

from tracker import clock, services
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.schemas import messages_as_text, password_change
from tracker.services import accounts, links, sessions
from tracker.web.common.auth import LINK_SIGN_IN, renew_session
from tracker.web.common.forms import errors_of, typed

bp = Blueprint("my_account", __name__)


@bp.route("/compte")
@login_required
def index():
    """The account's browsers and API tokens (names and dates: a secret is never shown again)."""
    return render_template("account/index.html",
                           sign_ins=sessions.sign_ins(db(), current_user),
                           is_current=lambda s: sessions.is_current(s, current_user),
                           tokens=accounts.api_tokens(db(), current_user))


@bp.route("/compte/deconnexion-partout", methods=["POST"])
@login_required
def sign_out_everywhere():
    """Sign every browser out, this one included (API tokens are revoked one by one)."""
    sessions.revoke_sessions(db(), current_user)
    db().commit()
    logout_user()
    flash(_("You are signed out on all your devices."), "info")
    return redirect(url_for("auth.sign_in"))


@bp.route("/compte/jetons/<int:token_id>/revoquer", methods=["POST"])
@login_required
def revoke_token(token_id: int):
    """Revoke one API token of the account (another account's token: 404)."""
    if not accounts.revoke_api_token(db(), current_user, token_id):
        abort(404)
    db().commit()
    flash(_("The API token is revoked."), "success")
    return redirect(url_for(".index"))


class PasswordForm(FlaskForm):
    """The CSRF token and the raw inputs: `tracker.schemas.password_change` validates."""

    current_password = PasswordField()
    password = PasswordField()
    confirm = PasswordField()


@bp.route("/compte/mot-de-passe", methods=["GET", "POST"])
@login_required
def password():
    """Choose or change the password. The current one is asked for, unless the account has none
    or this browser has just signed in by an email link (a forgotten password). Other browsers
    are signed out and API tokens revoked; this browser stays signed in."""
    reset = _signed_in_by_link()
    errors: dict = {}
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            values = password_change.load(typed(form))
            services.change_password(db(), current_user, current=values["current_password"],
                                     new=values["password"], reset=reset)
        except ValidationError as exc:
            errors = messages_as_text(exc.messages)
        except DomainError as exc:
            db().rollback()
            errors = errors_of(exc)
        else:
            db().commit()
            session.pop(LINK_SIGN_IN, None)
            renew_session(current_user._get_current_object())  # cookies, new generation
            flash(_("Your password is saved. Your other devices are signed out and your API "
                    "tokens revoked."), "success")
            return redirect(url_for("my_account.index"))
    return render_template("links/password.html", errors=errors,
                           needs_current=bool(current_user.password_hash) and not reset
                           ), 422 if errors else 200


def _signed_in_by_link() -> bool:
    """True when this browser, as this account, signed in by an email link in the last
    30 minutes (a sign-in link's lifetime)."""
    marker = session.get(LINK_SIGN_IN)
    if not isinstance(marker, list) or len(marker) != 2 or marker[0] != current_user.get_id():
        return False
    age = clock.now().timestamp() - float(marker[1])
    return 0 <= age <= links.LIFETIME[links.SIGNIN].total_seconds()
