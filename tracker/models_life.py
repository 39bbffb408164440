"""Tables of the challenge's life around the weigh-ins (issue 6).

Mail waiting to go out, enrolment requests, one-time sign-in links, per-edition and
per-household settings, workshops and their registrations, news and tips, teams, and the audit
log of staff actions on household data. Declared on `tracker.models.Base` so that one metadata
(and one Alembic history) covers every table.

Personal data and erasure: every row that names a household or a person references the household
with `ondelete="CASCADE"`, so erasing a household removes them too; the audit log keeps only a
household id (no foreign key, so the entry outlives the household) and never a name or email.
"""
from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import (JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.models import Account, Base, Edition, Household, UTCDateTime, utcnow


class OutgoingMail(Base):
    """An email to send, written in the same transaction as what it announces.

    Delivered after the commit (SMTP, or an .eml file in the instance outbox when no SMTP is
    configured); the body is blanked once delivered so sign-in links do not linger here.
    """

    __tablename__ = "outgoing_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_addr: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(32), default="")
    household_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    outbox_file: Mapped[str] = mapped_column(String(200), default="")

    __table_args__ = (Index("ix_outgoing_mail_pending", "sent_at", "id"),)


class EditionSettings(Base):
    """What staff switch on for an edition: public enrolment, teams, the published report."""

    __tablename__ = "edition_settings"

    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"),
                                            primary_key=True)
    enrolment_open: Mapped[bool] = mapped_column(default=False)
    teams_enabled: Mapped[bool] = mapped_column(default=False)
    description: Mapped[str] = mapped_column(Text, default="")
    report_published_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    #: The published figures, frozen at publication (tracker.services.published).
    report_figures: Mapped[Optional[dict]] = mapped_column(JSON)

    edition: Mapped[Edition] = relationship()


class Team(Base):
    """A group of households of one edition (optional, for a friendly leaderboard)."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))

    __table_args__ = (UniqueConstraint("edition_id", "name", name="uq_team_name"),)


class HouseholdSettings(Base):
    """A household's choices and the bookkeeping of what was sent to it."""

    __tablename__ = "household_settings"

    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"),
                                              primary_key=True)
    reminders_enabled: Mapped[bool] = mapped_column(default=True)
    leaderboard_hidden: Mapped[bool] = mapped_column(default=False)
    team_id: Mapped[Optional[int]] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    #: The secret part of the household's calendar URL (a capability, shown again on its page).
    calendar_token: Mapped[Optional[str]] = mapped_column(String(64), unique=True)
    last_reminder_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    erasure_requested_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    #: News by mail: `post` (each announcement staff send), `digest` (one mail a week with the
    #: new ones), `off` (tracker.services.news_mail).
    news_mail: Mapped[str] = mapped_column(String(8), default="digest", server_default="digest")
    news_digest_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)

    household: Mapped[Household] = relationship()
    team: Mapped[Optional[Team]] = relationship()


class Enrolment(Base):
    """A household's request to join an edition, waiting for staff (declined ones are deleted)."""

    __tablename__ = "enrolments"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"))
    household_name: Mapped[str] = mapped_column(String(200))
    persons: Mapped[int] = mapped_column(Integer)
    commune: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(254))
    consent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    household_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"))

    edition: Mapped[Edition] = relationship()

    __table_args__ = (
        CheckConstraint("status IN ('pending', 'approved')", name="enrolment_status_known"),
        Index("ix_enrolments_edition_status", "edition_id", "status"),
    )


class LoginToken(Base):
    """A one-time link (sign-in or invitation): only the SHA-256 of the token is kept."""

    __tablename__ = "login_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)

    account: Mapped[Account] = relationship()


class Event(Base):
    """A workshop or a remote meeting of an edition."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(300), default="")
    meeting_url: Mapped[str] = mapped_column(String(500), default="")
    capacity: Mapped[Optional[int]] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    edition: Mapped[Edition] = relationship()
    registrations: Mapped[list["EventRegistration"]] = relationship(
        back_populates="event", order_by="EventRegistration.id", cascade="all, delete-orphan")

    __table_args__ = (
        CheckConstraint("capacity IS NULL OR capacity >= 1", name="capacity_positive"),
        CheckConstraint("ends_at > starts_at", name="event_ends_after_start"),
        Index("ix_events_edition_start", "edition_id", "starts_at"),
    )


class EventRegistration(Base):
    """A household on an event: `confirmed`, or `waiting` in the order of sign-up."""

    __tablename__ = "event_registrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    reminded_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship(back_populates="registrations")
    household: Mapped[Household] = relationship()

    __table_args__ = (
        UniqueConstraint("event_id", "household_id", name="uq_registration"),
        CheckConstraint("status IN ('confirmed', 'waiting')", name="registration_status_known"),
    )


class Post(Base):
    """An announcement (`news`) or an entry of the tips and resources library (`tip`)."""

    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("editions.id", ondelete="CASCADE"))  # None: every edition
    kind: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(500), default="")
    tags: Mapped[str] = mapped_column(String(300), default="")
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    author_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"))
    #: When staff sent the announcement by mail to the families who chose `post` (once).
    mailed_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)

    __table_args__ = (
        CheckConstraint("kind IN ('news', 'tip')", name="post_kind_known"),
        Index("ix_posts_kind_published", "kind", "published_at"),
    )


class AuditEntry(Base):
    """A staff action on household data: who, when, what, on which household id (no names)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(254), default="")
    action: Mapped[str] = mapped_column(String(64))
    edition_id: Mapped[Optional[int]] = mapped_column(Integer)
    household_id: Mapped[Optional[int]] = mapped_column(Integer)
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    __table_args__ = (Index("ix_audit_log_at", "at"),)
