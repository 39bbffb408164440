"""Discussions (issue 18): questions and answers between families and staff, comments under
news and tips, moderated by staff.

Who reads what: a family reads the visible questions of its own edition and their visible
answers; under a post it reads the visible comments of its own edition's families and of staff.
Staff read everything, hidden messages included (the moderation page). Whatever a family may not
read is answered `NotFound`, so a page never tells that another edition's thread exists.

Texts are plain: stored as typed (line ends made `\\n`), escaped by the templates, links never
made clickable. Mail: each function returns the `Notice`s to send; the web layer renders and
queues them in the same transaction (never SMTP in the request). A household that chose a
digest or no mail gets no notice here; `digest_items` gathers what a digest tells.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from tracker import clock
from tracker.domain import STAFF_ROLES, DomainError, NotFound, TalkMail, Visibility, _l
from tracker.models import Account
from tracker.models import Post
from tracker.models import TalkMessage, TalkQuestion
from tracker.services import audit
from tracker.services.preferences import talk_mail_choice

TITLE_MAX = 200
BODY_MAX = 4000
REASON_MAX = 500


@dataclass(frozen=True)
class Notice:
    """A mail to queue: template name, recipient, and what the template shows."""

    template: str
    account: Account
    context: dict = field(default_factory=dict)


def _text(raw: str | None, limit: int, field_name: str, required: bool = True) -> str:
    text = (raw or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    text = "".join(c for c in text if c in "\n\t" or c >= " ")  # no control characters
    if required and not text:
        raise DomainError(_l("Please write something."), field_name)
    if len(text) > limit:
        raise DomainError(_l("Too long: at most %(limit)s characters.", limit=limit), field_name)
    return text


def _edition_of(account: Account) -> int | None:
    return account.household.edition_id if account.household_id is not None else None


# --- reading -------------------------------------------------------------------------------

def can_read_post(account: Account, post: Post) -> bool:
    """Staff read every post; a family its edition's and the general ones."""
    return account.is_staff or post.edition_id in (None, _edition_of(account))


def get_question(session: Session, account: Account, question_id: int) -> TalkQuestion:
    """The question, if the account may read it (else NotFound)."""
    question = session.get(TalkQuestion, question_id)
    if question is None or not account.is_staff and (
            question.edition_id != _edition_of(account) or question.status != Visibility.VISIBLE):
        raise NotFound()
    return question


def get_post(session: Session, account: Account, post_id: int) -> Post:
    post = session.get(Post, post_id)
    if post is None or not can_read_post(account, post):
        raise NotFound()
    return post


def questions(session: Session, edition_id: int, *, include_hidden: bool = False,
              limit: int = 100) -> list[tuple[TalkQuestion, int]]:
    """The edition's questions, newest first, each with its number of visible answers."""
    answers = (select(TalkMessage.question_id, func.count(TalkMessage.id).label("n"))
               .where(TalkMessage.status == Visibility.VISIBLE,
                      TalkMessage.question_id.is_not(None))
               .group_by(TalkMessage.question_id).subquery())
    query = (select(TalkQuestion, func.coalesce(answers.c.n, 0))
             .outerjoin(answers, answers.c.question_id == TalkQuestion.id)
             .where(TalkQuestion.edition_id == edition_id))
    if not include_hidden:
        query = query.where(TalkQuestion.status == Visibility.VISIBLE)
    query = query.order_by(TalkQuestion.created_at.desc(), TalkQuestion.id.desc()).limit(limit)
    return [(q, n) for q, n in session.execute(query)]


def answers(session: Session, account: Account, question: TalkQuestion) -> list[TalkMessage]:
    """The answers under a question, oldest first (hidden ones for staff only)."""
    query = select(TalkMessage).where(TalkMessage.question_id == question.id)
    if not account.is_staff:
        query = query.where(TalkMessage.status == Visibility.VISIBLE)
    return list(session.scalars(query.order_by(TalkMessage.created_at, TalkMessage.id)))


def _comments_query(account: Account, post: Post):
    query = select(TalkMessage).where(TalkMessage.post_id == post.id)
    if not account.is_staff:
        query = query.where(TalkMessage.status == Visibility.VISIBLE,
                            or_(TalkMessage.edition_id.is_(None),
                                TalkMessage.edition_id == _edition_of(account)))
    return query


def comments(session: Session, account: Account, post: Post) -> list[TalkMessage]:
    """The comments under a post the account may read, oldest first."""
    return list(session.scalars(_comments_query(account, post)
                                .order_by(TalkMessage.created_at, TalkMessage.id)))


def comment_counts(session: Session, account: Account, posts: list[Post]) -> dict[int, int]:
    """post id → number of comments the account may read (one query for a page of posts)."""
    ids = [p.id for p in posts]
    if not ids:
        return {}
    query = select(TalkMessage.post_id, func.count(TalkMessage.id)).where(
        TalkMessage.post_id.in_(ids))
    if not account.is_staff:
        query = query.where(TalkMessage.status == Visibility.VISIBLE,
                            or_(TalkMessage.edition_id.is_(None),
                                TalkMessage.edition_id == _edition_of(account)))
    return dict(session.execute(query.group_by(TalkMessage.post_id)).all())


def recent(session: Session, limit: int = 50) -> list[TalkQuestion | TalkMessage]:
    """Questions and messages of every edition, newest first (the moderation page)."""
    qs = session.scalars(select(TalkQuestion).order_by(TalkQuestion.created_at.desc())
                         .limit(limit)).all()
    ms = session.scalars(select(TalkMessage).order_by(TalkMessage.created_at.desc())
                         .limit(limit)).all()
    return sorted([*qs, *ms], key=lambda m: (m.created_at, m.id), reverse=True)[:limit]


# --- writing -------------------------------------------------------------------------------

def _staff(session: Session) -> list[Account]:
    return list(session.scalars(select(Account).where(
        Account.role.in_(STAFF_ROLES), Account.active.is_(True)).order_by(Account.id)))


def _wants_each(session: Session, account: Account | None, author: Account) -> bool:
    """A message by mail to this account now: not to the author, not to an inactive account,
    a family only when its household chose `each`."""
    if account is None or account.id == author.id or not account.active:
        return False
    if account.household_id is None:
        return account.is_staff
    return talk_mail_choice(session, account.household) == TalkMail.EACH


def ask(session: Session, account: Account, *, title: str,
        body: str) -> tuple[TalkQuestion, list[Notice]]:
    """A family asks its edition a question; staff are told by mail."""
    edition_id = _edition_of(account)
    if edition_id is None:
        raise DomainError(_l("Only a household taking part in an edition can ask here."))
    question = TalkQuestion(edition_id=edition_id, author_id=account.id,
                            household_id=account.household_id,
                            title=" ".join(_text(title, TITLE_MAX, "title").split()),
                            body=_text(body, BODY_MAX, "body", required=False),
                            created_at=clock.now(), status=Visibility.VISIBLE, hidden_reason="")
    session.add(question)
    session.flush()
    notices = [Notice("talk_question", staff, {"question": question})
               for staff in _staff(session) if _wants_each(session, staff, account)]
    return question, notices


def answer(session: Session, account: Account, question: TalkQuestion,
           body: str) -> tuple[TalkMessage, list[Notice]]:
    """An answer under a question the account may read; the question's author is told."""
    get_question(session, account, question.id)  # the caller may read it
    message = TalkMessage(question_id=question.id, edition_id=question.edition_id,
                          author_id=account.id, household_id=account.household_id,
                          by_staff=account.is_staff, body=_text(body, BODY_MAX, "body"),
                          created_at=clock.now(), status=Visibility.VISIBLE, hidden_reason="")
    session.add(message)
    if account.is_staff and question.answered_at is None:
        question.answered_at = message.created_at
    session.flush()
    notices = []
    if _wants_each(session, question.author, account):
        notices.append(Notice("talk_answer", question.author,
                              {"question": question, "message": message}))
    return message, notices


def comment(session: Session, account: Account, post: Post,
            body: str) -> tuple[TalkMessage, list[Notice]]:
    """A comment under a post; the post's earlier commenters who may read it are told."""
    if not can_read_post(account, post):
        raise NotFound()
    edition_id = post.edition_id if account.is_staff else _edition_of(account)
    message = TalkMessage(post_id=post.id, edition_id=edition_id, author_id=account.id,
                          household_id=account.household_id, by_staff=account.is_staff,
                          body=_text(body, BODY_MAX, "body"), created_at=clock.now(),
                          status=Visibility.VISIBLE, hidden_reason="")
    session.add(message)
    session.flush()
    notices, seen = [], {account.id}
    for earlier in comments(session, account, post):
        other = earlier.author
        if other is None or other.id in seen:
            continue
        seen.add(other.id)
        readable = other.is_staff or edition_id in (None, _edition_of(other))
        if readable and _wants_each(session, other, account):
            notices.append(Notice("talk_comment", other, {"post": post, "message": message}))
    return message, notices


# --- moderation ----------------------------------------------------------------------------

def moderate(session: Session, staff: Account, target: TalkQuestion | TalkMessage, *,
             hide: bool, reason: str = "") -> None:
    """Hide (a reason is required) or show again a question or a message; audited."""
    if not staff.is_staff:
        raise NotFound()
    kind = "question" if isinstance(target, TalkQuestion) else "message"
    if hide:
        reason = _text(reason, REASON_MAX, "reason")
        target.status, target.hidden_reason = Visibility.HIDDEN, reason
        target.hidden_by_id, target.hidden_at = staff.id, clock.now()
    else:
        target.status = Visibility.VISIBLE
    session.flush()
    audit.record(session, staff, "talk.hide" if hide else "talk.unhide",
                 edition_id=target.edition_id, household_id=target.household_id,
                 kind=kind, message=target.id, **({"reason": reason} if hide else {}))


def get_item(session: Session, kind: str, item_id: int) -> TalkQuestion | TalkMessage:
    item = session.get(TalkQuestion if kind == "question" else TalkMessage, item_id)
    if item is None:
        raise NotFound()
    return item


# --- digest --------------------------------------------------------------------------------

def digest_items(session: Session, account: Account, since: dt.datetime,
                 until: dt.datetime) -> list[TalkQuestion | TalkMessage]:
    """What a digest tells a family member: the visible questions of its edition and the
    visible answers and comments in threads its household wrote in, by others, in (since,
    until]."""
    edition_id, household_id = _edition_of(account), account.household_id
    if edition_id is None:
        return []
    window = lambda col: (col > since, col <= until)  # noqa: E731
    new_questions = session.scalars(select(TalkQuestion).where(
        TalkQuestion.edition_id == edition_id, TalkQuestion.status == Visibility.VISIBLE,
        or_(TalkQuestion.household_id.is_(None), TalkQuestion.household_id != household_id),
        *window(TalkQuestion.created_at))).all()
    mine_q = select(TalkQuestion.id).where(TalkQuestion.household_id == household_id)
    wrote_q = select(TalkMessage.question_id).where(TalkMessage.household_id == household_id,
                                                    TalkMessage.question_id.is_not(None))
    wrote_p = select(TalkMessage.post_id).where(TalkMessage.household_id == household_id,
                                                TalkMessage.post_id.is_not(None))
    replies = session.scalars(select(TalkMessage).where(
        TalkMessage.status == Visibility.VISIBLE,
        or_(TalkMessage.household_id.is_(None), TalkMessage.household_id != household_id),
        or_(TalkMessage.edition_id.is_(None), TalkMessage.edition_id == edition_id),
        or_(TalkMessage.question_id.in_(mine_q), TalkMessage.question_id.in_(wrote_q),
            TalkMessage.post_id.in_(wrote_p)),
        *window(TalkMessage.created_at))).all()
    return sorted([*new_questions, *replies], key=lambda m: (m.created_at, m.id))


def due_digests(session: Session, now: dt.datetime | None = None,
                every: dt.timedelta = dt.timedelta(days=1)) -> list[Notice]:
    """The digests to send now: one per active member of each household that chose a digest
    and whose last one covers up to `every` ago; an empty digest is not sent. Moves each
    household's `digest_until` to now (the caller commits after queuing)."""
    from tracker.models import TalkPreference

    now = now or clock.now()
    notices = []
    prefs = session.scalars(select(TalkPreference).where(TalkPreference.mail == TalkMail.DIGEST)
                            .order_by(TalkPreference.household_id)).all()
    for pref in prefs:
        since = pref.digest_until or now - every
        if now - since < every:
            continue
        members = session.scalars(select(Account).where(
            Account.household_id == pref.household_id, Account.active.is_(True))
            .order_by(Account.id)).all()
        for member in members:
            items = digest_items(session, member, since, now)
            if items:
                notices.append(Notice("talk_digest", member, {"items": items}))
        pref.digest_until = now
    session.flush()
    return notices
