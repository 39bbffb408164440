"""Tables of the discussions (issue 18): questions and answers, comments under news and tips.

A question belongs to one edition: families see only their edition's threads. A message is an
answer under a question or a comment under a post (exactly one of the two). Staff hide a
question or a message with a reason (who and when are kept here and in the audit log); a hidden
one stays in the database and on the moderation page. Each household chooses how discussions
reach it by mail: `each` message, a `digest`, or `never`.

Personal data and erasure: a question or message written by a family names its household with
`ondelete="CASCADE"`, so erasing the household removes what it wrote; staff messages keep no
household. Declared on `tracker.models.Base`: one metadata, one Alembic history.
"""
from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.domain import TalkMail, Visibility, values
from tracker.models.accounts import Account
from tracker.models.base import Base, UTCDateTime, utcnow
from tracker.models.editions import Edition

STATUSES = values(Visibility)
MAIL_CHOICES = values(TalkMail)


class TalkQuestion(Base):
    """A question asked by a family (or staff) to the edition's staff and families."""

    __tablename__ = "talk_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"))
    author_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"))
    household_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(8), default=Visibility.VISIBLE)
    #: When staff first answered (the list shows "answered").
    answered_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    hidden_reason: Mapped[str] = mapped_column(String(500), default="")
    hidden_by_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"))
    hidden_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)

    edition: Mapped[Edition] = relationship()
    author: Mapped[Optional[Account]] = relationship(foreign_keys=[author_id])
    hidden_by: Mapped[Optional[Account]] = relationship(foreign_keys=[hidden_by_id])

    __table_args__ = (
        CheckConstraint("status IN ('visible', 'hidden')", name="talk_question_status_known"),
        Index("ix_talk_questions_edition_created", "edition_id", "created_at"),
    )


class TalkMessage(Base):
    """An answer under a question, or a comment under a news post or tip.

    `edition_id` says whose families may read it: the question's edition, the commenting
    family's edition under a post, or the post's own (None: every edition) for staff."""

    __tablename__ = "talk_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("talk_questions.id", ondelete="CASCADE"))
    post_id: Mapped[Optional[int]] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    edition_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("editions.id", ondelete="CASCADE"))
    author_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"))
    household_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"))
    by_staff: Mapped[bool] = mapped_column(default=False)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(8), default=Visibility.VISIBLE)
    hidden_reason: Mapped[str] = mapped_column(String(500), default="")
    hidden_by_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"))
    hidden_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)

    question: Mapped[Optional[TalkQuestion]] = relationship()
    author: Mapped[Optional[Account]] = relationship(foreign_keys=[author_id])
    hidden_by: Mapped[Optional[Account]] = relationship(foreign_keys=[hidden_by_id])

    __table_args__ = (
        CheckConstraint("(question_id IS NULL) <> (post_id IS NULL)", name="talk_message_parent"),
        CheckConstraint("status IN ('visible', 'hidden')", name="talk_message_status_known"),
        Index("ix_talk_messages_question", "question_id", "created_at"),
        Index("ix_talk_messages_post", "post_id", "created_at"),
        Index("ix_talk_messages_created", "created_at"),
    )


class TalkPreference(Base):
    """How discussions reach a household by mail; `each` when there is no row."""

    __tablename__ = "talk_preferences"

    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"),
                                              primary_key=True)
    mail: Mapped[str] = mapped_column(String(8), default=TalkMail.EACH)
    #: The end of the period the last digest covered.
    digest_until: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)

    __table_args__ = (
        CheckConstraint("mail IN ('each', 'digest', 'never')", name="talk_mail_known"),
    )
