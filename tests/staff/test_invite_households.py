"""Staff invite the households imported with an address and no account: import → invite → the
mail is queued with a working link → following it opens the household's account → a second
round within the link's lifetime sends nothing. The reminder and the group mail say who has no
account yet. The same round from `zw households invite`."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD, _csrf_from
from tests.life.conftest import Outbox
from tests.staff.conftest import csrf, page_text
from tests.staff.test_households_web import CONFIRM, upload
from tracker import clock
from tracker.models import Account, AuditEntry, Household, OutgoingMail
from tracker.services import imported_invitations as invitations

HOUSEHOLDS = "/equipe/defis/defi-2026/foyers"
INVITE = HOUSEHOLDS + "/inviter"
OVERVIEW = "/equipe/defis/defi-2026/"
CSV = ("household,persons,email,commune\n"
       "Leroy,4,leroy@example.org,Orsay\n"
       "Moreau,2,moreau@example.org;moreau2@example.org,Gif\n"
       "Sans Adresse,1,,Orsay\n"
       "Doublon,3,martin@example.org,Orsay\n")


def import_households(client):
    """The four households above through the staff upload (check, then confirm)."""
    text = page_text(upload(client, CSV.encode()))
    content = re.search(r'<textarea name="content"[^>]*>\n?(.*?)</textarea>', text, re.S).group(1)
    response = client.post(CONFIRM, data={"csrf_token": csrf(client), "content": content},
                           content_type="multipart/form-data")
    assert response.status_code == 302


def invite(client):
    return client.post(INVITE, data={"csrf_token": csrf(client, HOUSEHOLDS)})


def queued(session, kind="household_invitation"):
    session.expire_all()
    return session.scalars(select(OutgoingMail).where(OutgoingMail.kind == kind)
                           .order_by(OutgoingMail.id)).all()


def link_of(mail) -> str:
    match = re.search(r"https?://[^/\s]+(/lien/\S+)", mail.body)
    assert match, mail.body
    return match.group(1)


@pytest.fixture
def frozen(monkeypatch):
    """A clock the test moves on (services and pages read tracker.clock.now)."""
    now = {"at": dt.datetime(2026, 4, 15, 10, 0, tzinfo=dt.timezone.utc)}
    monkeypatch.setattr(clock, "now", lambda: now["at"])
    return now


def test_import_invite_follow_the_link_and_no_second_mail_within_a_week(
        app, staff, session, frozen):
    import_households(staff)
    page = page_text(staff.get(HOUSEHOLDS))
    # Leroy and Moreau have an address and no account; "Sans Adresse" has no address;
    # Doublon's address is the Martin household's account: listed apart
    assert "2 foyer(s) avec une adresse n'ont pas encore de compte." in page
    assert 'action="/equipe/defis/defi-2026/foyers/inviter"' in page
    assert "Les inviter (2)" in page
    assert "leur adresse a déjà un compte dans un autre foyer : Doublon." in re.sub(
        r"<[^>]+>", "", page)

    response = invite(staff)
    assert response.status_code == 302 and response.headers["Location"].endswith(HOUSEHOLDS)
    mails = queued(session)
    assert sorted(m.to_addr for m in mails) == ["leroy@example.org", "moreau2@example.org",
                                                "moreau@example.org"]
    assert all(m.sent_at is None for m in mails)  # queued, never sent by the request
    leroy_mail = next(m for m in mails if m.to_addr == "leroy@example.org")
    assert leroy_mail.subject == "Votre compte pour Défi 2026"
    assert "Votre foyer « Leroy » est inscrit à Défi 2026" in leroy_mail.body
    assert "valable 7 jours" in leroy_mail.body
    flashed = page_text(staff.get(HOUSEHOLDS))
    assert "2 foyer(s) invité(s) (3 courriel(s) en file)" in flashed
    # martin@example.org already has an account (the Martin household): left out, said so
    assert "1 adresse(s) laissée(s) de côté" in flashed
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "households.invite"))
    assert entry.details == {"households": 2, "mails": 3} and entry.actor == "staff@example.org"
    assert "A invité 2 foyer(s) sans compte" in page_text(staff.get("/equipe/journal"))

    # the family follows the link in another browser: a button, then signed in, as Leroy
    family = app.test_client()
    path = link_of(leroy_mail)
    confirm = family.get(path)
    assert confirm.status_code == 200 and "leroy@example.org" in page_text(confirm)
    response = family.post(path, data={"csrf_token": _csrf_from(confirm.get_data(as_text=True))})
    assert response.status_code == 302 and "/compte/mot-de-passe" in response.headers["Location"]
    session.expire_all()
    account = session.scalar(select(Account).where(Account.email == "leroy@example.org"))
    leroy = session.scalar(select(Household).where(Household.name == "Leroy"))
    assert account.household_id == leroy.id and account.role == "family"
    home = family.get("/", follow_redirects=True)
    assert home.status_code == 200 and "Leroy" in page_text(home)  # the household's own page

    # a second round the same week sends nothing
    response = invite(staff)
    assert response.status_code == 302
    assert len(queued(session)) == 3
    assert "Personne à inviter" in page_text(staff.get(HOUSEHOLDS))
    page = page_text(staff.get(HOUSEHOLDS))
    assert "1 foyer(s) invité(s) il y a moins de 7 jours n'ont pas encore ouvert leur compte" \
        in page and "Les inviter" not in page  # Moreau waits; Leroy has joined

    # once Moreau's links have expired unused, it is invited again (new links); Leroy is not
    frozen["at"] += dt.timedelta(days=8)
    assert "1 foyer(s) avec une adresse n'ont pas encore de compte." in page_text(
        staff.get(HOUSEHOLDS))
    invite(staff)
    again = queued(session)[3:]
    assert sorted(m.to_addr for m in again) == ["moreau2@example.org", "moreau@example.org"]
    assert link_of(again[0]) not in {link_of(m) for m in queued(session)[:3]}
    moreau = session.scalar(select(Household).where(Household.name == "Moreau"))
    assert len(moreau.accounts) == 2  # the waiting accounts got new links, no new account


def test_a_family_cannot_invite_and_anonymous_visitors_sign_in(app, client, world, session):
    from tests.conftest import sign_in

    assert client.post(INVITE).status_code in (302, 400)  # no session: CSRF or sign-in first
    assert sign_in(client, "martin@example.org", PASSWORD).status_code == 302
    token = _csrf_from(client.get("/foyer").get_data(as_text=True))
    assert client.post(INVITE, data={"csrf_token": token}).status_code == 403
    assert queued(session) == []


def test_an_unknown_edition_is_a_404(staff):
    response = staff.post("/equipe/defis/inconnu/foyers/inviter",
                          data={"csrf_token": csrf(staff, HOUSEHOLDS)})
    assert response.status_code == 404


def test_households_of_another_edition_are_not_invited(app, staff, world, session, frozen):
    from tracker import services
    from tracker.models import Edition

    other = services.create_edition(session, slug="defi-2027", name="Défi 2027",
                                    start=dt.date(2027, 3, 1))
    services.create_household(session, other, name="Ailleurs", persons=2,
                              emails="ailleurs@example.org")
    session.commit()
    import_households(staff)
    invite(staff)
    assert "ailleurs@example.org" not in {m.to_addr for m in queued(session)}
    assert session.get(Edition, world["edition"]).slug == "defi-2026"


def test_the_silent_list_and_the_group_mail_say_who_has_no_account(staff, cohort, session):
    # Petit and Bernard are silent and have no account (tests/staff/conftest.py)
    page = page_text(staff.get(OVERVIEW))
    silent = page[page.index('id="silent-title"'):page.index('id="nobase-title"')]
    assert silent.count("pas encore de compte") == 3  # two badges and the count
    assert "2 d'entre eux n'ont pas encore de compte" in silent
    assert f"/foyers/{cohort['petit']}/relancer" not in silent
    response = staff.post(f"/equipe/defis/defi-2026/foyers/{cohort['bernard']}/relancer",
                          data={"csrf_token": csrf(staff, OVERVIEW)})
    assert response.status_code == 302
    assert "Impossible de relancer Bernard : ce foyer n'a pas encore de compte" in page_text(
        staff.get("/equipe/"))
    message = "/equipe/defis/defi-2026/message"
    response = staff.post(message, data={"csrf_token": csrf(staff, message), "group": "all",
                                         "subject": "Atelier", "body": "Bonjour"})
    text = page_text(response)
    assert "Ce message partira à 2 adresse(s)." in text
    assert "2 foyer(s) de ce groupe n'ont pas encore de compte" in text


def test_zw_households_invite(app, runner, world, session, frozen, monkeypatch):
    monkeypatch.delenv("ZW_SMTP_HOST", raising=False)
    app.config["ZW_CLI_LOCALE"] = "fr"
    edition_csv = app.instance_path + "/foyers.csv"
    import os
    os.makedirs(app.instance_path, exist_ok=True)
    with open(edition_csv, "w", encoding="utf-8") as fh:
        fh.write(CSV)
    result = runner.invoke(args=["households", "import", edition_csv, "--challenge", "defi-2026"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["households", "invite", "--challenge", "defi-2026",
                                 "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Inviterait 2 foyer(s) (3 courriel(s))." in result.output
    assert queued(session) == []
    result = runner.invoke(args=["households", "invite", "--challenge", "defi-2026"])
    assert result.exit_code == 0, result.output
    assert "2 foyer(s) invité(s) : 3 courriel(s) en file (3 envoyé(s), 0 en échec)." \
        in result.output
    assert "1 adresse(s) laissée(s) de côté" in result.output
    sent = Outbox(app).to("leroy@example.org")
    assert len(sent) == 1 and "/lien/" in Outbox.body(sent[0])
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "households.invite"))
    assert entry.actor.startswith("zw (") and entry.details == {"households": 2, "mails": 3}
    result = runner.invoke(args=["households", "invite", "--challenge", "defi-2026"])
    assert result.exit_code == 0, result.output
    assert "0 foyer(s) invité(s)" in result.output
    assert "2 foyer(s) invité(s) il y a moins de 7 jours : pas de nouvelle invitation." \
        in result.output
    assert len(queued(session)) == 3
    result = runner.invoke(args=["households", "invite", "--challenge", "inconnu"])
    assert result.exit_code != 0


def test_the_outlook_leaves_out_households_that_asked_for_erasure(app, world, session, frozen):
    from tracker import services
    from tracker.models import Edition
    from tracker.services.preferences import household_settings

    edition = session.get(Edition, world["edition"])
    gone = services.create_household(session, edition, name="Parti", persons=1,
                                     emails="parti@example.org")
    household_settings(session, gone).erasure_requested_at = frozen["at"]
    services.create_household(session, edition, name="Reste", persons=1,
                              emails="reste@example.org")
    session.commit()
    plan = invitations.outlook(session, edition)
    assert [h.name for h in plan.due] == ["Reste"]
