"""Staff remind a silent family and write to a group: mail queued (never sent in the request),
limited per household, audited."""
from __future__ import annotations

from sqlalchemy import select

from tests.staff.conftest import csrf, page_text
from tracker.models import Account, Household
from tracker.models import AuditEntry, OutgoingMail
from tracker.services import mail as mail_service, teams as team_service

OVERVIEW = "/equipe/defis/defi-2026/"
MESSAGE = "/equipe/defis/defi-2026/message"


def remind(client, household_id):
    return client.post(f"/equipe/defis/defi-2026/foyers/{household_id}/relancer",
                       data={"csrf_token": csrf(client, OVERVIEW)})


def mails(session, kind=None):
    session.expire_all()
    query = select(OutgoingMail).order_by(OutgoingMail.id)
    if kind:
        query = query.where(OutgoingMail.kind == kind)
    return session.scalars(query).all()


def test_remind_a_silent_family_queues_one_mail_and_is_limited(staff, cohort, session,
                                                               monkeypatch):
    def no_delivery(*args, **kwargs):
        raise AssertionError("a request must not deliver mail")

    monkeypatch.setattr(mail_service, "deliver_pending", no_delivery)
    petit = session.get(Household, cohort["petit"])
    session.add(Account(email="petit@example.org", password_hash="x", role="family",
                        household=petit))
    session.commit()
    page = page_text(staff.get(OVERVIEW))
    assert f"/foyers/{cohort['petit']}/relancer" in page and "Relancer" in page
    response = remind(staff, cohort["petit"])
    assert response.status_code == 302
    queued = mails(session, "staff_reminder")
    assert [(m.to_addr, m.sent_at) for m in queued] == [("petit@example.org", None)]
    assert "depuis 14 jours" in queued[0].body and "/pesee" in queued[0].body
    assert "Relance prête pour Petit" in page_text(staff.get("/equipe/"))
    again = remind(staff, cohort["petit"])
    assert again.status_code == 302
    assert len(mails(session, "staff_reminder")) == 1
    assert "relancé il y a moins de 3 jours" in page_text(staff.get("/equipe/"))
    entries = session.scalars(select(AuditEntry).where(
        AuditEntry.action == "household.remind")).all()
    assert [(e.household_id, e.details) for e in entries] == [(cohort["petit"], {"mails": 1})]
    assert "Relance envoyée au foyer" in page_text(staff.get("/equipe/journal"))


def test_no_reminder_without_an_account(staff, cohort, session):
    remind(staff, cohort["bernard"])
    assert mails(session) == []
    assert "pas encore de compte" in page_text(staff.get("/equipe/"))


def send(client, **data):
    return client.post(MESSAGE, data={"csrf_token": csrf(client, MESSAGE), **data})


def test_write_to_every_family_counts_first_then_queues(staff, world, session):
    form = {"group": "all", "subject": "Atelier compost samedi", "body": "Venez nombreux !"}
    response = send(staff, **form)
    assert response.status_code == 200
    assert "Ce message partira à 2 adresse(s)." in page_text(response)
    assert mails(session) == []
    response = send(staff, **form, confirm="y")
    assert response.status_code == 302
    sent = mails(session, "staff_message")
    assert sorted(m.to_addr for m in sent) == ["durand@example.org", "martin@example.org"]
    assert sent[0].subject == "Atelier compost samedi" and "Venez nombreux !" in sent[0].body
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "mail.group"))
    assert entry.details == {"group": "all", "mails": 2}
    assert "Message écrit à tous les foyers de l'édition : 2 courriel(s)" in page_text(
        staff.get("/equipe/journal"))


def test_write_to_a_commune_a_team_or_the_silent(staff, world, session, now_in_edition):
    send(staff, group="commune:Orsay", subject="Orsay", body="Bonjour", confirm="y")
    assert [m.to_addr for m in mails(session)] == ["martin@example.org"]
    durand = session.get(Household, world["durand"])
    team = team_service.create_team(session, durand.edition, "Les Verts")
    team_service.assign(session, durand, team)
    session.commit()
    send(staff, group=f"team:{team.id}", subject="Équipe", body="Bonjour", confirm="y")
    assert [m.to_addr for m in mails(session)][1:] == ["durand@example.org"]
    before = len(mails(session))
    response = send(staff, group="silent", subject="On vous attend", body="Bonjour")
    assert "Ce message partira à 2 adresse(s)." in page_text(response)  # nobody weighed yet
    assert len(mails(session)) == before


def test_a_bad_message_is_refused_in_french(staff, world, session):
    for data, message in [({"group": "all", "subject": "", "body": "x"}, "objet d'une ligne"),
                          ({"group": "all", "subject": "x", "body": ""}, "Écrivez le message"),
                          ({"group": "planete:mars", "subject": "x", "body": "y"},
                           "Choisissez à qui"),
                          ({"group": "all", "subject": "x" * 201, "body": "y"}, "200")]:
        response = send(staff, **data, confirm="y")
        assert response.status_code == 422, data
        assert message in page_text(response), data
    assert mails(session) == []


def test_families_cannot_write_to_others(family, world):
    assert family.get(MESSAGE).status_code == 403
