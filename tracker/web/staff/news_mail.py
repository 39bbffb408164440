"""Staff room: send an announcement by mail to the families who chose each announcement.

Families on the weekly digest get it in their next digest; the request only queues the mails
(`tracker.web.mailer.send`), once per announcement (`Post.mailed_at`), audited.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker.domain import DomainError
from tracker.extensions import db
from tracker.services import audit, news, news_mail
from tracker.web.common import mailer
from tracker.web.common.auth import staff_required

bp = Blueprint("staff_news_mail", __name__)


@bp.route("/equipe/actualites/<int:post_id>/envoyer-par-courriel", methods=["POST"])
@staff_required
def send(post_id: int):
    """Queue the announcement for every household on `post`, once."""
    post = news.get_post(db(), post_id)
    try:
        households = news_mail.mark_post_mailed(db(), post)
    except DomainError as exc:
        db().rollback()
        flash(str(exc.message), "warning")
        return redirect(url_for("staff_news.index"))
    count = 0
    for household in households:
        for account in household.accounts:
            mailer.send(db(), "news_post", account.email, locale=account.locale,
                        household_id=household.id, post=post,
                        url=mailer.absolute_url("family_news.index"),
                        choice_url=mailer.absolute_url("news_mail.choose"))
            count += 1
    audit.record(db(), current_user, "news.mail", edition_id=post.edition_id, post=post.id,
                 mails=count)
    mailer.commit_and_queue()
    flash(_("Announcement queued for %(n)s address(es) (families who chose each "
            "announcement); the others get it in their weekly digest.", n=count), "success")
    return redirect(url_for("staff_news.index"))
