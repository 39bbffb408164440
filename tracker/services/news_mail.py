"""News by mail, as each household chooses: every announcement staff send (`post`), one mail a
week with the new ones (`digest`, the default), or none (`off`).

Staff send an announcement once (`Post.mailed_at`); households on `post` get it then. The
weekly digest (`zw reminders send`, daily from cron) goes to a household on `digest` when its
last digest is at least `DIGEST_EVERY` old and announcements visible to it were published
since (the first digest looks `DIGEST_EVERY` back). Households that asked for erasure get
nothing. This module only decides; the caller composes and queues the mails.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from tracker import clock
from tracker.domain import DomainError, NewsMail, PostKind, _l, values
from tracker.models import Edition, Household
from tracker.models import HouseholdSettings, Post
from tracker.services.preferences import edition_phase, household_settings

CHOICES = values(NewsMail)
DEFAULT = NewsMail.DIGEST
DIGEST_EVERY = dt.timedelta(days=7)


def choice(session: Session, household: Household) -> str:
    prefs = session.get(HouseholdSettings, household.id)
    return prefs.news_mail if prefs is not None and prefs.news_mail else DEFAULT


def set_choice(session: Session, household: Household, value: str) -> None:
    """Record the household's choice; DomainError for an unknown one."""
    if value not in CHOICES:
        raise DomainError(_l("Choose how you want to receive the news."), "news_mail")
    household_settings(session, household).news_mail = value
    session.flush()


def _households(session: Session, edition_id: int | None, wanted: str):
    """Households of the edition (every running edition when None) that chose `wanted`."""
    query = select(Household).options(selectinload(Household.accounts))
    if edition_id is not None:
        query = query.where(Household.edition_id == edition_id)
    else:
        running = [e.id for e in session.scalars(select(Edition))
                   if edition_phase(e) == "running"]
        query = query.where(Household.edition_id.in_(running or [-1]))
    prefs = {s.household_id: s for s in session.scalars(select(HouseholdSettings))}
    for household in session.scalars(query.order_by(Household.id)):
        p = prefs.get(household.id)
        if p is not None and p.erasure_requested_at:
            continue
        if ((p.news_mail if p is not None and p.news_mail else DEFAULT)) == wanted:
            yield household


def mark_post_mailed(session: Session, post: Post, now: dt.datetime | None = None) -> list:
    """The households that get the announcement now (those on `post`); refused when it is no
    announcement or was mailed already."""
    if post.kind != PostKind.NEWS:
        raise DomainError(_l("Only announcements are sent by mail."), "post")
    if post.mailed_at is not None:
        raise DomainError(_l("This announcement was already sent by mail."), "post")
    post.mailed_at = now or clock.now()
    session.flush()
    return list(_households(session, post.edition_id, NewsMail.POST))


def due_digests(session: Session, now: dt.datetime | None = None
                ) -> list[tuple[Household, list[Post]]]:
    """(household, announcements) for each household whose weekly digest is due now."""
    now = now or clock.now()
    due = []
    for household in _households(session, None, NewsMail.DIGEST):
        prefs = session.get(HouseholdSettings, household.id)
        last = prefs.news_digest_at if prefs is not None else None
        if last is not None and now - last < DIGEST_EVERY:
            continue
        since = last or now - DIGEST_EVERY
        posts = list(session.scalars(
            select(Post).where(Post.kind == PostKind.NEWS, Post.published_at > since,
                               Post.published_at <= now,
                               or_(Post.edition_id.is_(None),
                                   Post.edition_id == household.edition_id))
            .order_by(Post.published_at)))
        if posts:
            due.append((household, posts))
    return due


def mark_digest_sent(session: Session, household: Household, now: dt.datetime | None = None):
    household_settings(session, household).news_digest_at = now or clock.now()
    session.flush()
