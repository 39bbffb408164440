"""The account page: password, signed-in browsers, sign-out everywhere, API tokens.

What revokes what (docs/production.md, "Sessions"): signing out ends this browser's sign-in;
signing out everywhere rotates the account's session generation, so every browser's session and
remember-me cookies stop working; a password change does the same for the other browsers and
revokes every API token; a token can also be revoked on its own here.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from tracker.extensions import db
from tracker.services import accounts, sessions

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
