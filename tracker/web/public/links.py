"""Sign-in by email link: ask for one, use one (also an invitation's)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import func, select

from tracker import clock
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.models import LoginToken
from tracker.services import links
from tracker.web.common import mailer
from tracker.web.common.auth import LINK_SIGN_IN, start_session
from tracker.web.common.forms import Text

bp = Blueprint("public_links", __name__)


class LinkRequestForm(FlaskForm):
    email = Text(limit=254)


#: At most this many sign-in links per account in a lifetime window (no mail-bombing).
MAX_OPEN_LINKS = 3


@bp.route("/connexion/lien", methods=["GET", "POST"])
def request_link():
    """Ask for a sign-in link; the answer is the same, and as quick, whether the address is
    known or not: the link is issued and mailed once the answer is sent."""
    form = LinkRequestForm()
    if form.validate_on_submit():
        email = form.email.data
        mailer.after_response(lambda: _mail_signin_link(email))
        return render_template("links/sent.html", email=email)
    return render_template("links/request.html")


def _mail_signin_link(email: str) -> None:
    account = links.account_by_email(db(), email)
    if account is None or _recent_links(account.id) >= MAX_OPEN_LINKS:
        return
    token = links.issue_link(db(), account, links.SIGNIN)
    mailer.send(db(), "signin_link", account.email, locale=account.locale,
                household_id=account.household_id,
                link=mailer.absolute_url("public_links.use_link", token=token),
                minutes=int(links.LIFETIME[links.SIGNIN].total_seconds() // 60))
    mailer.commit_and_queue()


def _recent_links(account_id: int) -> int:
    since = clock.now() - links.LIFETIME[links.SIGNIN]
    return db().scalar(select(func.count(LoginToken.id)).where(
        LoginToken.account_id == account_id, LoginToken.purpose == links.SIGNIN,
        LoginToken.created_at > since))


@bp.route("/lien/<token>", methods=["GET", "POST"])
def use_link(token: str):
    """GET shows a button (mail scanners follow links but do not post); POST signs in once."""
    if request.method == "GET":
        link = links.find_link(db(), token)
        try:
            links.check_link(link)
        except DomainError as exc:
            return render_template("links/invalid.html", message=str(exc.message)), 410
        return render_template("links/confirm.html", invitation=link.purpose == links.INVITE,
                               account=link.account)
    link = links.find_link(db(), token)
    invitation = link is not None and link.purpose == links.INVITE
    try:
        account = links.redeem_link(db(), token)
    except DomainError as exc:
        db().rollback()
        return render_template("links/invalid.html", message=str(exc.message)), 410
    db().commit()
    start_session(account, remember=True)
    session[LINK_SIGN_IN] = [account.get_id(), clock.now().timestamp()]
    if invitation and account.password_hash is None:
        flash(_("Welcome! You can choose a password now, or keep signing in by email."),
              "success")
        return redirect(url_for("my_account.password"))
    return redirect(url_for("family.home"))
