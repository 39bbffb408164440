"""News by mail as families choose: each announcement staff send, a weekly digest, or none."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from tests.conftest import sign_in
from tests.life.helpers import post, text
from tracker import clock
from tracker.models import Household
from tracker.models import AuditEntry, OutgoingMail, Post
from tracker.services import news
from tracker.services import news_mail


def mails(app, kind):
    with app.extensions["zw_db"].session() as s:
        return sorted((m.to_addr, m.subject) for m in s.scalars(
            select(OutgoingMail).where(OutgoingMail.kind == kind)))


def announce(app, title="Atelier compost samedi", kind="news") -> int:
    with app.extensions["zw_db"].session() as s:
        p = news.save_post(s, None, None, kind=kind, title=title, body="Venez nombreux.")
        s.commit()
        return p.id


def test_a_family_chooses_and_staff_send_once(app, client, world, now_in_edition):
    sign_in(client, "martin@example.org")
    assert "Un courriel par semaine" in text(client.get("/actualites/par-courriel"))
    assert post(client, "/actualites/par-courriel", {"news_mail": "post"}).status_code == 302
    bad = post(client, "/actualites/par-courriel", {"news_mail": "pigeon"})
    assert bad.status_code == 422 and "Choisissez comment recevoir" in text(bad)
    post_id = announce(app)
    staff = app.test_client()
    sign_in(staff, "staff@example.org")
    send = f"/equipe/actualites/{post_id}/envoyer-par-courriel"
    assert post(staff, send, token_from="/equipe/actualites").status_code == 302
    # Martin chose each announcement; Durand keeps the default weekly digest
    assert mails(app, "news_post") == [("martin@example.org", "Atelier compost samedi")]
    assert post(staff, send, token_from="/equipe/actualites").status_code == 302
    assert len(mails(app, "news_post")) == 1  # once
    assert "déjà été envoyée" in text(staff.get("/equipe/"))
    with app.extensions["zw_db"].session() as s:
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "news.mail"))
        assert entry.details == {"post": post_id, "mails": 1}
        assert s.get(Post, post_id).mailed_at is not None


def test_a_tip_is_not_mailed(app, world):
    tip = announce(app, "Astuce", kind="tip")
    staff = app.test_client()
    sign_in(staff, "staff@example.org")
    post(staff, f"/equipe/actualites/{tip}/envoyer-par-courriel", token_from="/equipe/actualites")
    assert mails(app, "news_post") == []


def test_the_weekly_digest_goes_to_digest_households_once_a_week(app, runner, world,
                                                                 now_in_edition):
    with app.extensions["zw_db"].session() as s:
        news_mail.set_choice(s, s.get(Household, world["martin"]), "off")
        s.commit()
    announce(app, "Nouvelles de la semaine")
    result = runner.invoke(args=["reminders", "send"])
    assert result.exit_code == 0, result.output
    assert "Sent the news digest to 1 household(s)." in result.output
    assert mails(app, "news_digest") == [("durand@example.org",
                                          "Les actualités de la semaine du défi")]
    again = runner.invoke(args=["reminders", "send"])
    assert "Sent the news digest to 0 household(s)." in again.output
    assert len(mails(app, "news_digest")) == 1


def test_a_digest_holds_only_news_since_the_last_one(app, world, now_in_edition):
    with app.extensions["zw_db"].session() as s:
        durand = s.get(Household, world["durand"])
        now = clock.now()
        old = news.save_post(s, None, None, kind="news", title="Ancienne")
        old.published_at = now - dt.timedelta(days=10)
        news.save_post(s, None, None, kind="news", title="Récente")
        due = dict((h.id, [p.title for p in posts]) for h, posts in news_mail.due_digests(s))
        assert due[durand.id] == ["Récente"]
        news_mail.mark_digest_sent(s, durand, now)
        assert durand.id not in dict((h.id, p) for h, p in news_mail.due_digests(s))
        later = now + dt.timedelta(days=8)
        assert durand.id not in dict((h.id, p) for h, p in news_mail.due_digests(s, later))
