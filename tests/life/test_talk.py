"""Discussions (issue 18): questions and answers, comments under news and tips, moderation.

Through the Flask test client on SQLite and PostgreSQL: what a family may read and post, the
mails queued (never sent by the request) as each household chose, escaping, CSRF, rate limit.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from tests.conftest import PASSWORD, sign_in
from tests.life.helpers import post, text, visible
from tracker import services
from tracker.models import Account, Household
from tracker.models import AuditEntry, OutgoingMail
from tracker.models import TalkMessage, TalkQuestion
from tracker.services import news, talk
from tracker.services.preferences import set_talk_mail_choice


def _client(app, email):
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def _mails(app, kind=None):
    with app.extensions["zw_db"].session() as s:
        rows = s.scalars(select(OutgoingMail).order_by(OutgoingMail.id)).all()
        return [(m.to_addr, m.kind, m.subject, m.sent_at) for m in rows
                if kind is None or m.kind == kind]


def _ask(client, title="Où jeter les pots de yaourt ?", body="Ceux en plastique."):
    answer = post(client, "/questions", {"title": title, "body": body})
    assert answer.status_code == 302, text(answer)
    return int(answer.headers["Location"].rsplit("/", 1)[1])


def _other_edition(app):
    """A household of another edition, with its account signed in."""
    with app.extensions["zw_db"].session() as s:
        edition = services.create_edition(s, slug="defi-autre", name="Autre défi",
                                          start=dt.date(2026, 3, 1))
        household = services.create_household(s, edition, name="Ailleurs", persons=2)
        services.create_account(s, email="ailleurs@example.org", password=PASSWORD,
                                household=household)
        s.commit()
        edition_id = edition.id
    return _client(app, "ailleurs@example.org"), edition_id


def test_ask_answer_notify_and_answered(app, world, now_in_edition):
    martin = _client(app, "martin@example.org")
    qid = _ask(martin)
    # staff hear of the question by a queued mail, nothing sent by the request
    assert [(to, subject[:15]) for to, _k, subject, _s in _mails(app, "talk_question")] == [
        ("staff@example.org", "Nouvelle questi")]
    assert all(sent is None for *_x, sent in _mails(app))
    durand = _client(app, "durand@example.org")  # same edition: reads and answers
    page = durand.get(f"/questions/{qid}")
    assert page.status_code == 200 and "Ceux en plastique." in text(page)
    assert post(durand, f"/questions/{qid}", {"body": "Dans le bac jaune."}).status_code == 302
    assert [to for to, *_x in _mails(app, "talk_answer")] == ["martin@example.org"]
    staff = _client(app, "staff@example.org")
    assert post(staff, f"/questions/{qid}", {"body": "Oui, bac jaune."}).status_code == 302
    assert [to for to, *_x in _mails(app, "talk_answer")] == ["martin@example.org"] * 2
    mail = _mails(app, "talk_answer")[-1]
    assert "Oui" not in mail[2]  # the subject names the question, not the answer
    listing = visible(martin.get("/questions"))
    assert "Où jeter les pots de yaourt ?" in listing and "Réponse de l'équipe" in listing
    assert "Réponses : 2" in listing
    page = visible(martin.get(f"/questions/{qid}"))
    assert page.index("Dans le bac jaune.") < page.index("Oui, bac jaune.")
    assert "L'équipe du défi" in page  # staff answers are signed by the team


def test_mail_choice_each_digest_never(app, world, now_in_edition, monkeypatch):
    martin, durand = _client(app, "martin@example.org"), _client(app, "durand@example.org")
    qid = _ask(martin)
    assert post(martin, "/questions/courriels", {"mail": "never"},
                token_from="/questions").status_code == 302
    assert 'id="mail-never" value="never" checked' in text(martin.get("/questions"))
    assert post(durand, f"/questions/{qid}", {"body": "Réponse 1"}).status_code == 302
    assert _mails(app, "talk_answer") == []  # never: no mail
    assert post(martin, "/questions/courriels", {"mail": "digest"},
                token_from="/questions").status_code == 302
    from tracker import clock
    monkeypatch.setattr(clock, "now", lambda: now_in_edition + dt.timedelta(minutes=5))
    assert post(durand, f"/questions/{qid}", {"body": "Réponse 2"}).status_code == 302
    assert _mails(app, "talk_answer") == []  # digest: nothing at once
    with app.extensions["zw_db"].session() as s:
        assert talk.due_digests(s, now_in_edition + dt.timedelta(hours=2)) == []  # not a day
        notices = talk.due_digests(s, now_in_edition + dt.timedelta(days=1, minutes=1))
        assert [(n.template, n.account.email) for n in notices] == [
            ("talk_digest", "martin@example.org")]
        assert [m.body for m in notices[0].context["items"]] == ["Réponse 2"]
        assert talk.due_digests(s, now_in_edition + dt.timedelta(days=1, minutes=2)) == []
    bad = post(martin, "/questions/courriels", {"mail": "souvent"}, token_from="/questions",
               follow_redirects=True)
    assert "Choisissez : chaque message, un résumé ou aucun courriel." in text(bad)
    assert post(martin, "/questions/courriels", {"mail": "each"},
                token_from="/questions").status_code == 302
    assert post(durand, f"/questions/{qid}", {"body": "Réponse 3"}).status_code == 302
    assert [to for to, *_x in _mails(app, "talk_answer")] == ["martin@example.org"]


def test_comments_under_a_post_notify_earlier_commenters(app, world, now_in_edition):
    with app.extensions["zw_db"].session() as s:
        post_id = news.save_post(s, None, None, kind="tip", title="Le vrac",
                                 edition_id=world["edition"]).id
        s.commit()
    martin, durand = _client(app, "martin@example.org"), _client(app, "durand@example.org")
    assert "Commenter" in text(martin.get("/astuces"))
    path = f"/actualites/{post_id}/commentaires"
    assert post(martin, path, {"body": "Où en trouver ?"}).status_code == 302
    assert _mails(app, "talk_comment") == []  # nobody commented before
    assert post(durand, path, {"body": "Au marché."}).status_code == 302
    assert [to for to, *_x in _mails(app, "talk_comment")] == ["martin@example.org"]
    assert "Commentaires : 2" in visible(martin.get("/astuces"))
    page = visible(durand.get(path))
    assert "Où en trouver ?" in page and "Au marché." in page and "Martin" in page


def test_bodies_are_plain_text_escaped(app, world, now_in_edition):
    martin = _client(app, "martin@example.org")
    qid = _ask(martin, title="<b>gras</b>", body='<script>alert(1)</script> <a href="x">lien</a>')
    page = martin.get(f"/questions/{qid}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and '<a href="x">' not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;gras&lt;/b&gt;" in page and "<b>gras</b>" not in page
    staff = _client(app, "staff@example.org")
    assert "<script>alert(1)</script>" not in staff.get("/equipe/discussions").get_data(
        as_text=True)


def test_another_edition_family_cannot_read_or_post(app, world, now_in_edition):
    martin = _client(app, "martin@example.org")
    qid = _ask(martin, title="Question du défi 2026")
    with app.extensions["zw_db"].session() as s:
        own_post = news.save_post(s, None, None, kind="news", title="Atelier",
                                  edition_id=world["edition"]).id
        general = news.save_post(s, None, None, kind="news", title="Pour tous").id
        s.commit()
    assert post(martin, f"/actualites/{general}/commentaires",
                {"body": "Commentaire du défi 2026"}).status_code == 302
    other, _edition = _other_edition(app)
    before = _mails(app)
    assert other.get(f"/questions/{qid}").status_code == 404
    token = other.get("/questions")
    assert "Question du défi 2026" not in text(token)
    from tests.conftest import _csrf_from
    csrf = _csrf_from(token.get_data(as_text=True))
    assert other.post(f"/questions/{qid}", data={"body": "x", "csrf_token": csrf}
                      ).status_code == 404
    assert other.get(f"/actualites/{own_post}/commentaires").status_code == 404
    assert other.post(f"/actualites/{own_post}/commentaires",
                      data={"body": "x", "csrf_token": csrf}).status_code == 404
    # a post for every edition: readable, but the other edition's comments are not shown
    page = text(other.get(f"/actualites/{general}/commentaires"))
    assert "Pour tous" in page and "Commentaire du défi 2026" not in page
    with app.extensions["zw_db"].session() as s:
        assert s.scalar(select(TalkMessage).where(TalkMessage.body == "x")) is None
    assert _mails(app) == before
    # anonymous visitors go to the sign-in page
    for path in ("/questions", f"/questions/{qid}", f"/actualites/{general}/commentaires"):
        answer = app.test_client().get(path)
        assert answer.status_code == 302 and "/connexion" in answer.headers["Location"]
    # families never reach the moderation page
    assert martin.get("/equipe/discussions").status_code == 403


def test_csrf_is_required(app, world, now_in_edition):
    martin = _client(app, "martin@example.org")
    qid = _ask(martin)
    assert martin.post("/questions", data={"title": "Sans jeton"}).status_code == 400
    assert martin.post(f"/questions/{qid}", data={"body": "Sans jeton"}).status_code == 400
    staff = _client(app, "staff@example.org")
    assert staff.post(f"/equipe/discussions/questions/{qid}/masquer",
                      data={"reason": "x"}).status_code == 400
    with app.extensions["zw_db"].session() as s:
        assert s.scalars(select(TalkQuestion.title)).all() == ["Où jeter les pots de yaourt ?"]
        assert s.scalar(select(TalkMessage)) is None
        assert s.get(TalkQuestion, qid).status == "visible"


def test_bad_input_gets_a_french_message_and_keeps_the_text(app, world, now_in_edition):
    martin = _client(app, "martin@example.org")
    empty = post(martin, "/questions", {"title": "  ", "body": "Mon long texte"})
    assert empty.status_code == 422 and "Écrivez quelque chose." in text(empty)
    assert "Mon long texte" in text(empty)  # nothing typed is lost
    qid = _ask(martin)
    long = post(martin, f"/questions/{qid}", {"body": "a" * 4001})
    assert long.status_code == 422 and "Trop long : 4000 caractères au plus." in text(long)
    assert "a" * 4001 in text(long)
    with app.extensions["zw_db"].session() as s:
        assert s.scalar(select(TalkMessage)) is None


def test_staff_hide_and_show_again_audited(app, world, now_in_edition):
    martin, durand = _client(app, "martin@example.org"), _client(app, "durand@example.org")
    qid = _ask(martin)
    assert post(durand, f"/questions/{qid}", {"body": "Message déplacé"}).status_code == 302
    with app.extensions["zw_db"].session() as s:
        mid = s.scalar(select(TalkMessage.id))
    staff = _client(app, "staff@example.org")
    assert "Discussions" in text(staff.get("/equipe/"))  # in the staff menu
    path = f"/equipe/discussions/messages/{mid}/masquer"
    no_reason = post(staff, path, {"reason": ""},
                     token_from="/equipe/discussions", follow_redirects=True)
    assert "Non masqué : Écrivez quelque chose." in visible(no_reason)
    assert "Message déplacé" in text(durand.get(f"/questions/{qid}"))
    assert post(staff, path, {"reason": "Propos blessants"},
                token_from="/equipe/discussions").status_code == 302
    assert "Message déplacé" not in text(durand.get(f"/questions/{qid}"))
    assert "Message déplacé" not in text(martin.get(f"/questions/{qid}"))
    assert "Réponses : 0" in visible(martin.get("/questions"))
    moderation = visible(staff.get("/equipe/discussions"))
    assert "Message déplacé" in moderation and "Masqué par staff@example.org" in moderation
    assert "Propos blessants" in moderation
    with app.extensions["zw_db"].session() as s:
        message = s.get(TalkMessage, mid)
        assert message.status == "hidden" and message.hidden_reason == "Propos blessants"
        assert message.hidden_by.email == "staff@example.org" and message.hidden_at
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "talk.hide")).one()
        assert entry.household_id == world["durand"]
        assert entry.details == {"kind": "message", "message": mid,
                                 "reason": "Propos blessants"}
    log = visible(staff.get("/equipe/journal"))
    assert f"A masqué le message n° {mid} des discussions : Propos blessants" in log
    # a hidden question: 404 for families, still readable by staff
    q = f"/equipe/discussions/questions/{qid}"
    assert post(staff, q + "/masquer", {"reason": "Doublon"},
                token_from="/equipe/discussions").status_code == 302
    assert martin.get(f"/questions/{qid}").status_code == 404
    assert staff.get(f"/questions/{qid}").status_code == 200
    assert post(staff, q + "/afficher", token_from="/equipe/discussions"
                ).status_code == 302
    assert martin.get(f"/questions/{qid}").status_code == 200
    with app.extensions["zw_db"].session() as s:
        assert [e.action for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))
                if e.action.startswith("talk.")] == ["talk.hide", "talk.hide", "talk.unhide"]


def test_rate_limit_per_account(app, world, now_in_edition):
    martin = _client(app, "martin@example.org")
    qid = _ask(martin)
    refused = post(martin, f"/questions/{qid}", {"body": ""})
    assert refused.status_code == 422  # a refused form is not counted
    for n in range(9):  # 10 a minute, the question included
        assert post(martin, f"/questions/{qid}", {"body": f"Message {n}"}).status_code == 302
    assert post(martin, f"/questions/{qid}", {"body": "Un de trop"}).status_code == 429
    durand = _client(app, "durand@example.org")  # another account is not held back
    assert post(durand, f"/questions/{qid}", {"body": "Moi aussi"}).status_code == 302


def test_erasing_a_household_removes_what_it_wrote(app, world, now_in_edition):
    martin, durand = _client(app, "martin@example.org"), _client(app, "durand@example.org")
    qid = _ask(martin)
    assert post(durand, f"/questions/{qid}", {"body": "Réponse"}).status_code == 302
    with app.extensions["zw_db"].session() as s:
        s.delete(s.get(Household, world["durand"]))
        s.commit()
        assert s.scalars(select(TalkMessage)).all() == []
        assert s.get(TalkQuestion, qid) is not None
        set_talk_mail_choice(s, s.get(Household, world["martin"]), "digest")
        s.commit()
        assert s.get(Account, s.get(TalkQuestion, qid).author_id).email == "martin@example.org"


def test_zw_talk_digest_queues_one_digest_a_day(app, world, now_in_edition, monkeypatch,
                                                outbox):
    from tracker import clock

    martin, durand = _client(app, "martin@example.org"), _client(app, "durand@example.org")
    qid = _ask(martin, title="Le verre, lavé ou pas ?")
    assert post(martin, "/questions/courriels", {"mail": "digest"},
                token_from="/questions").status_code == 302
    monkeypatch.setattr(clock, "now", lambda: now_in_edition + dt.timedelta(hours=1))
    assert post(durand, f"/questions/{qid}", {"body": "Pas besoin."}).status_code == 302
    assert _mails(app, "talk_answer") == []
    runner = app.test_cli_runner()
    monkeypatch.setattr(clock, "now", lambda: now_in_edition + dt.timedelta(days=1, hours=2))
    assert "Would send 1 digest(s)" in runner.invoke(args=["talk", "digest", "--dry-run"]).output
    result = runner.invoke(args=["talk", "digest"])
    assert result.exit_code == 0 and "Queued 1 digest(s) of the discussions" in result.output
    body = outbox.body(outbox.last("martin@example.org"))
    assert "Réponse à « Le verre, lavé ou pas ? »" in body
    assert "/questions" in body
    assert outbox.to("durand@example.org") == []  # each (default): had nothing new by digest
    again = runner.invoke(args=["talk", "digest"])
    assert "Queued 0 digest(s)" in again.output
