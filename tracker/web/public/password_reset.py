"""A forgotten password, reset by an e-mail link: ask → a mail with a link (single use, 30
minutes) → a form for the new password.

The request page answers the same, and as quickly, whoever owns the address (or nobody): the
account is looked up and the mail queued once the answer is sent (`mailer.after_response`),
and the request only queues the mail (the outbox delivers it). At most `MAX_OPEN_LINKS` reset
links an account per half hour. Opening the link shows the form and uses nothing (mail
scanners follow links); sending a valid new password uses the link (`links.redeem_link`: once,
and the account's other reset links with it), sets the password as a password change does —
every browser signed out, every API token revoked (`services.set_password`) — and signs this
browser in.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from marshmallow import ValidationError
from sqlalchemy import func, select
from wtforms import PasswordField, StringField

from tracker import clock, services
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.models import LoginToken
from tracker.schemas import messages_as_text, password_change
from tracker.services import links
from tracker.web.common import mailer
from tracker.web.common.auth import start_session

bp = Blueprint("password_reset", __name__)

MAX_OPEN_LINKS = 3


class RequestForm(FlaskForm):
    email = StringField()


class NewPasswordForm(FlaskForm):
    """The CSRF token and the raw inputs: `tracker.schemas.password_change` validates."""

    password = PasswordField()
    confirm = PasswordField()


@bp.route("/connexion/mot-de-passe-oublie", methods=["GET", "POST"])
def request_reset():
    """Ask for a reset link: the same answer whether the address has an account or not."""
    form = RequestForm()
    if form.is_submitted():
        email = (form.email.data or "").strip()[:254]
        mailer.after_response(lambda: _queue_reset_link(email))
        return render_template("links/reset_sent.html", email=email)
    return render_template("links/reset_request.html", form=form)


def _queue_reset_link(email: str) -> None:
    account = links.account_by_email(db(), email)
    if account is None:
        return
    since = clock.now() - links.LIFETIME[links.RESET]
    recent = db().scalar(select(func.count(LoginToken.id)).where(
        LoginToken.account_id == account.id, LoginToken.purpose == links.RESET,
        LoginToken.created_at > since))
    if recent >= MAX_OPEN_LINKS:
        return
    token = links.issue_link(db(), account, links.RESET)
    mailer.send(db(), "password_reset", account.email, locale=account.locale,
                household_id=account.household_id,
                link=mailer.absolute_url("password_reset.new_password", token=token),
                minutes=int(links.LIFETIME[links.RESET].total_seconds() // 60))
    mailer.commit_and_queue()  # queued only: the sender delivers it


def _valid_reset_link(token: str):
    link = links.find_link(db(), token)
    if link is not None and link.purpose != links.RESET:
        link = None  # a sign-in link or an invitation does not reset a password
    links.check_link(link)
    return link


@bp.route("/mot-de-passe/<token>", methods=["GET", "POST"])
def new_password(token: str):
    """The new password form of a reset link; the link is used when the password is saved."""
    try:
        link = _valid_reset_link(token)
    except DomainError as exc:
        return render_template("links/reset_invalid.html", message=str(exc.message)), 410
    form = NewPasswordForm()
    errors: dict = {}
    if form.is_submitted():
        try:
            values = password_change.load({"password": form.password.data or "",
                                           "confirm": form.confirm.data or ""})
            account = links.redeem_link(db(), token)
            services.set_password(db(), account, values["password"])
        except ValidationError as exc:
            errors = messages_as_text(exc.messages)
        except DomainError as exc:
            db().rollback()
            return render_template("links/reset_invalid.html", message=str(exc.message)), 410
        else:
            db().commit()
            start_session(account, remember=False)
            flash(_("Your new password is saved. Your other devices are signed out and your "
                    "API tokens revoked."), "success")
            return redirect(url_for("family.home"))
    return render_template("links/reset_password.html", form=form, errors=errors,
                           email=link.account.email), 422 if errors else 200
