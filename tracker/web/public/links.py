"""Sign-in by email link, invitations, the optional password, and a household's members."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from marshmallow import ValidationError
from sqlalchemy import func, select

from tracker import clock, services
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.models import Account, Household
from tracker.models_life import LoginToken
from tracker.schemas import messages_as_text, password_change
from tracker.services import enrolment as enrolment_service
from tracker.services import links
from tracker.services.preferences import edition_settings, household_settings
from tracker.web.common import mailer
from tracker.web.common.auth import family_required, renew_session, start_session
from tracker.web.common.forms import errors_of, form_bool, form_text

bp = Blueprint("life_links", __name__)

#: At most this many sign-in links per account in a lifetime window (no mail-bombing).
MAX_OPEN_LINKS = 3
#: Session key: this browser signed in by an email link (the account's id and when), which
#: lets it set a new password without the current one for a while: the password reset.
LINK_SIGN_IN = "link_sign_in"


@bp.route("/connexion/lien", methods=["GET", "POST"])
def request_link():
    """Ask for a sign-in link; the answer is the same, and as quick, whether the address is
    known or not: the link is issued and mailed once the answer is sent."""
    if request.method == "POST":
        email = form_text("email", 254)
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
                link=mailer.absolute_url("life_links.use_link", token=token),
                minutes=int(links.LIFETIME[links.SIGNIN].total_seconds() // 60))
    mailer.commit_and_deliver()


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
        return redirect(url_for(".password"))
    return redirect(url_for("family.home"))


@bp.route("/compte/mot-de-passe", methods=["GET", "POST"])
@login_required
def password():
    """Choose or change the password. The current one is asked for, unless the account has none
    or this browser has just signed in by an email link (a forgotten password). Other browsers
    are signed out and API tokens revoked; this browser stays signed in."""
    reset = _signed_in_by_link()
    errors: dict = {}
    if request.method == "POST":
        try:
            values = password_change.load(request.form.to_dict())
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


def _invite(household_id: int, inviter_id: int, email: str) -> None:
    """Invite `email` into the household; an address that has an account gets a notice."""
    session = db()
    household, inviter = session.get(Household, household_id), session.get(Account, inviter_id)
    name = inviter.display_name or inviter.email
    try:
        account, token = enrolment_service.invite_member(session, household, email, inviter)
    except enrolment_service.EmailTaken:
        session.rollback()
        account = links.account_by_email(session, email)
        if account is None or account.household_id == household_id:
            return  # already a member: the members list shows it
        mailer.send(session, "invitation_refused", account.email, locale=account.locale,
                    household_id=account.household_id, household=household,
                    edition=household.edition, inviter=name,
                    signin_url=mailer.absolute_url("life_links.request_link"))
    else:
        mailer.send(session, "invitation", account.email, household_id=household.id,
                    household=household, edition=household.edition, inviter=name,
                    link=mailer.absolute_url("life_links.use_link", token=token),
                    hours=int(links.LIFETIME[links.INVITE] / dt.timedelta(hours=1)))
    mailer.commit_and_deliver()


@bp.route("/foyer/membres", methods=["GET", "POST"])
@family_required
def members():
    """The household's members; a member can invite another address."""
    household = current_user.household
    settings = household_settings(db(), household)
    errors: dict = {}
    if request.method == "POST" and request.form.get("action") == "reminders":
        settings.reminders_enabled = form_bool("reminders_enabled")
        db().commit()
        flash(_("Reminders by email are on.") if settings.reminders_enabled
              else _("Reminders by email are off."), "success")
        return redirect(url_for(".members"))
    if request.method == "POST":
        try:
            email = enrolment_service.invitation_address(form_text("email", 254))
        except DomainError as exc:
            errors = errors_of(exc)
        else:
            # The same answer whether the address has an account or not (here, elsewhere, or
            # staff's), and as quick: the invitation is made once the answer is sent.
            inviter_id, household_id = current_user.id, household.id
            mailer.after_response(lambda: _invite(household_id, inviter_id, email))
            flash(_("An invitation was sent to %(email)s.", email=email), "success")
            return redirect(url_for(".members"))
    return render_template("links/members.html", household=household, settings=settings,
                           teams_enabled=edition_settings(db(), household.edition).teams_enabled,
                           members=enrolment_service.joined_members(db(), household), errors=errors,
                           form=request.form), 422 if errors else 200
