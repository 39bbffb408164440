"""One POST endpoint per action (issue 15): each form of a page posts to its own address, which
does that one thing; its effect is stored, and the wrong role is refused with nothing changed.

Before, several pages posted every form to one view that chose the job by a hidden `action`
field or by the submit button's name; these tests fail on that layout (the old addresses and
the field are gone, and a field of another form no longer does anything).
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from sqlalchemy import func, select

from tests.conftest import sign_in
from tests.life.helpers import post, text, visible
from tracker import services
from tracker.models import Account, AuditEntry, Household, HouseholdSettings, Post, Team
from tracker.models import TalkQuestion
from tracker.services import news, talk, teams
from tracker.services.preferences import edition_settings

ROOT = Path(__file__).resolve().parents[2]
TREE = "/equipe/defis/defi-2026"


def _session(app):
    return app.extensions["zw_db"].session()


def _audited(app, action: str) -> list[AuditEntry]:
    with _session(app) as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def _client(app, email: str):
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def _forms(page) -> list[str]:
    """The `action` addresses of the page's POST forms, in order (sign-out left out)."""
    return [a for a in re.findall(r'<form method="post" action="([^"]+)"', text(page))
            if a != "/deconnexion"]


# ------------------------------------------------------------------ the code and the pages

def test_no_form_chooses_its_job_by_a_hidden_field():
    templates = [p.relative_to(ROOT) for p in (ROOT / "tracker" / "templates").rglob("*.html")
                 if re.search(r'name="action"', p.read_text())]
    assert templates == [], f"a form posts a job name (name=\"action\"): {templates}"
    # No view reads the posted form by hand: Flask-WTF forms do (the rate limits' key
    # functions read the address before any view runs, and are not views).
    by_hand = [f"{p.relative_to(ROOT)}:{n}" for p in (ROOT / "tracker" / "web").rglob("*.py")
               if p.name != "ratelimit.py"
               for n, line in enumerate(p.read_text().splitlines(), 1)
               if "request.form" in line]
    assert by_hand == [], by_hand


def test_each_form_of_the_pages_posts_to_its_own_address(app, world, now_in_edition):
    with _session(app) as s:
        edition = s.get(Household, world["martin"]).edition
        team = teams.create_team(s, edition, "Les Colibris").id
        post_id = news.save_post(s, None, None, kind="news", title="Nouvelles").id
        martin = s.scalar(select(Account).where(Account.email == "martin@example.org"))
        question, _notices = talk.ask(s, martin, title="Compost ?", body="")
        qid = question.id
    family = _client(app, "martin@example.org")
    assert _forms(family.get("/foyer/membres")) == ["/foyer/membres/inviter",
                                                    "/foyer/membres/rappels"]
    staff = _client(app, "staff@example.org")
    fiche = f"{TREE}/foyers/{world['martin']}"
    assert _forms(staff.get(fiche + "/fiche")) == [fiche + "/inviter", fiche + "/rappels",
                                                   fiche + "/effacer"]
    assert _forms(staff.get(f"{TREE}/equipes")) == [
        f"{TREE}/equipes/nouvelle", f"{TREE}/equipes/repartition",
        f"{TREE}/equipes/{team}/supprimer"]
    assert _forms(staff.get(f"/equipe/actualites/{post_id}"))[-1] == \
        f"/equipe/actualites/{post_id}/supprimer"
    assert _forms(staff.get(f"{TREE}/bilan")) == [f"{TREE}/bilan/publier"]
    post(staff, f"{TREE}/bilan/publier", token_from=f"{TREE}/bilan")
    assert _forms(staff.get(f"{TREE}/bilan")) == [f"{TREE}/bilan/publier",
                                                  f"{TREE}/bilan/retirer"]
    moderation = _forms(staff.get("/equipe/discussions"))
    assert f"/equipe/discussions/questions/{qid}/masquer" in moderation


# ------------------------------------------------------------------ family: members page

def test_the_reminders_switch_invites_no_one(app, client, world, outbox, now_in_edition):
    sign_in(client, "martin@example.org")
    response = post(client, "/foyer/membres/rappels",
                    {"email": "alex@example.org"}, token_from="/foyer/membres")
    assert response.status_code == 302 and response.headers["Location"] == "/foyer/membres"
    with _session(app) as s:
        assert not s.get(HouseholdSettings, world["martin"]).reminders_enabled  # not ticked
        assert s.scalar(select(Account).where(Account.email == "alex@example.org")) is None
    assert outbox.messages() == []


def test_an_invitation_leaves_the_reminders_alone(app, client, world, outbox, now_in_edition):
    sign_in(client, "martin@example.org")
    assert post(client, "/foyer/membres/inviter", {"email": "alex@example.org"},
                token_from="/foyer/membres").status_code == 302
    with _session(app) as s:
        settings = s.get(HouseholdSettings, world["martin"])
        assert settings is None or settings.reminders_enabled
        assert s.scalar(select(Account.household_id).where(
            Account.email == "alex@example.org")) == world["martin"]
    assert len(outbox.to("alex@example.org")) == 1


def test_a_refused_invitation_shows_the_page_again_with_the_address(app, client, world,
                                                                    now_in_edition):
    sign_in(client, "martin@example.org")
    response = post(client, "/foyer/membres/inviter", {"email": "pas-une-adresse"},
                    token_from="/foyer/membres")
    assert response.status_code == 422
    page = text(response)
    assert 'value="pas-une-adresse"' in page and "Membres" in page
    assert 'action="/foyer/membres/rappels"' in page  # the whole page, both forms


def test_staff_cannot_use_the_family_forms(app, world, now_in_edition):
    staff = _client(app, "staff@example.org")
    for path in ("/foyer/membres/inviter", "/foyer/membres/rappels"):
        response = post(staff, path, {"email": "alex@example.org"}, token_from="/equipe/")
        assert response.status_code in (302, 403), path
        assert response.headers.get("Location", "/equipe/") == "/equipe/", path
    with _session(app) as s:
        assert s.scalar(select(func.count(Account.id))) == 3


# ------------------------------------------------------------------ staff: one household

def test_staff_invitation_to_a_taken_address_is_refused_in_french(app, staff, world, outbox,
                                                                  now_in_edition):
    fiche = f"{TREE}/foyers/{world['durand']}/fiche"
    response = post(staff, fiche.replace("/fiche", "/inviter"), {"email": "martin@example.org"},
                    token_from=fiche)
    assert response.status_code == 422
    assert "Un compte existe déjà avec cette adresse e-mail." in text(response)
    assert _audited(app, "household.invite_member") == [] and outbox.messages() == []


def test_staff_reminders_switch_is_audited_once_per_change(app, staff, world, now_in_edition):
    fiche = f"{TREE}/foyers/{world['durand']}/fiche"
    switch = fiche.replace("/fiche", "/rappels")
    response = post(staff, switch, token_from=fiche, follow_redirects=True)
    assert "Enregistré." in visible(response)
    post(staff, switch, token_from=fiche)  # off again: no change, no entry
    post(staff, switch, {"reminders_enabled": "y"}, token_from=fiche)
    assert [e.details["enabled"] for e in _audited(app, "household.reminders")] == [False, True]
    with _session(app) as s:
        assert s.get(HouseholdSettings, world["durand"]).reminders_enabled
    history = visible(staff.get(fiche))  # the household's recent staff actions, in words
    assert "household.reminders" not in history and "enabled=" not in history
    assert "Rappels du foyer désactivés." in history and "Rappels du foyer activés." in history


def test_household_forms_refuse_families_and_other_editions(app, world, now_in_edition):
    with _session(app) as s:
        services.create_edition(s, slug="autre", name="Autre", start=dt.date(2026, 3, 1))
    family = _client(app, "martin@example.org")
    for action in ("inviter", "rappels"):
        path = f"{TREE}/foyers/{world['martin']}/{action}"
        assert post(family, path, {"email": "x@example.org"}, token_from="/foyer/membres"
                    ).status_code == 403
    staff = _client(app, "staff@example.org")
    for action in ("inviter", "rappels"):  # the household under another edition's address
        path = f"/equipe/defis/autre/foyers/{world['martin']}/{action}"
        assert post(staff, path, {"email": "x@example.org"}, token_from="/equipe/"
                    ).status_code == 404
    with _session(app) as s:
        assert s.get(HouseholdSettings, world["martin"]) is None  # nothing switched
        assert s.scalar(select(Account).where(Account.email == "x@example.org")) is None


# ------------------------------------------------------------------ staff: teams

def test_staff_create_and_delete_teams(app, staff, world, now_in_edition):
    page = f"{TREE}/equipes"
    response = post(staff, page + "/nouvelle", {"name": "Les Colibris"}, token_from=page,
                    follow_redirects=True)
    assert "Enregistré." in visible(response)
    again = post(staff, page + "/nouvelle", {"name": "Les Colibris"}, token_from=page,
                 follow_redirects=True)
    assert "Une équipe porte déjà ce nom." in visible(again)
    with _session(app) as s:
        team = s.scalars(select(Team)).one()
        teams.assign(s, s.get(Household, world["martin"]), team)
        team_id = team.id
    assert post(staff, f"{page}/{team_id}/supprimer", token_from=page).status_code == 302
    with _session(app) as s:
        assert s.scalars(select(Team)).all() == []
        assert s.get(HouseholdSettings, world["martin"]).team_id is None


def test_a_team_is_deleted_only_by_staff_and_under_its_own_edition(app, world, now_in_edition):
    with _session(app) as s:
        other = services.create_edition(s, slug="autre", name="Autre", start=dt.date(2026, 3, 1))
        elsewhere = teams.create_team(s, other, "Ailleurs").id
        here = teams.create_team(s, s.get(Household, world["martin"]).edition, "Ici").id
    family = _client(app, "martin@example.org")
    assert post(family, f"{TREE}/equipes/{here}/supprimer", token_from="/foyer/membres"
                ).status_code == 403
    staff = _client(app, "staff@example.org")
    assert post(staff, f"{TREE}/equipes/{elsewhere}/supprimer", token_from=f"{TREE}/equipes"
                ).status_code == 404
    with _session(app) as s:
        assert sorted(s.scalars(select(Team.name))) == ["Ailleurs", "Ici"]


def test_assigning_teams_audits_only_the_changes(app, staff, world, now_in_edition):
    with _session(app) as s:
        edition = s.get(Household, world["martin"]).edition
        edition_settings(s, edition).teams_enabled = True
        team = teams.create_team(s, edition, "Les Colibris")
        teams.assign(s, s.get(Household, world["martin"]), team)
        team_id = team.id
    page = f"{TREE}/equipes"
    form = {f"team-{world['martin']}": str(team_id), f"team-{world['durand']}": str(team_id)}
    assert post(staff, page + "/repartition", form, token_from=page).status_code == 302
    entries = _audited(app, "household.team")
    assert [(e.household_id, e.details) for e in entries] == [(world["durand"],
                                                              {"team": team_id})]


# ------------------------------------------------------------------ staff: news

def test_staff_delete_a_post_from_its_own_address(app, world, now_in_edition):
    with _session(app) as s:
        post_id = news.save_post(s, None, None, kind="news", title="À effacer").id
    family = _client(app, "martin@example.org")
    assert post(family, f"/equipe/actualites/{post_id}/supprimer", token_from="/foyer/membres"
                ).status_code == 403
    staff = _client(app, "staff@example.org")
    edit = f"/equipe/actualites/{post_id}"
    # the edit form only saves: the old hidden field deletes nothing
    assert post(staff, edit, {"action": "delete", "kind": "news", "title": "Gardée"}
                ).status_code == 302
    with _session(app) as s:
        assert s.get(Post, post_id).title == "Gardée"
    response = post(staff, edit + "/supprimer", token_from=edit, follow_redirects=True)
    assert "Supprimé." in visible(response)
    with _session(app) as s:
        assert s.get(Post, post_id) is None
    assert post(staff, edit + "/supprimer", token_from="/equipe/actualites").status_code == 404


# ------------------------------------------------------------------ staff: the report

def test_publish_never_withdraws_and_withdraw_has_its_own_address(app, world, now_in_edition):
    anonymous = app.test_client()
    family = _client(app, "martin@example.org")
    bilan = f"{TREE}/bilan"
    staff = _client(app, "staff@example.org")
    first = post(staff, bilan + "/publier", token_from=bilan, follow_redirects=True)
    assert "Le bilan est publié." in visible(first)
    again = post(staff, bilan + "/publier", token_from=bilan, follow_redirects=True)
    assert "Les chiffres publiés sont mis à jour." in visible(again)  # still public
    assert anonymous.get("/resultats/defi-2026").status_code == 200
    assert post(family, bilan + "/retirer", token_from="/foyer/membres").status_code == 403
    assert anonymous.get("/resultats/defi-2026").status_code == 200
    gone = post(staff, bilan + "/retirer", token_from=bilan, follow_redirects=True)
    assert "Le bilan n'est plus public." in visible(gone)
    assert anonymous.get("/resultats/defi-2026").status_code == 404
    assert [e.action for e in _audited(app, "report.withdraw")] == ["report.withdraw"]


# ------------------------------------------------------------------ staff: discussions

def test_hide_and_show_again_have_their_own_addresses(app, world, now_in_edition):
    with _session(app) as s:
        martin = s.scalar(select(Account).where(Account.email == "martin@example.org"))
        question, _notices = talk.ask(s, martin, title="Compost ?", body="")
        qid = question.id
    base = f"/equipe/discussions/questions/{qid}"
    family = _client(app, "durand@example.org")
    assert post(family, base + "/masquer", {"reason": "Hors sujet"}, token_from="/foyer/membres"
                ).status_code == 403
    staff = _client(app, "staff@example.org")
    # showing again never hides, whatever is posted with it
    assert post(staff, base + "/afficher", {"reason": "Hors sujet"},
                token_from="/equipe/discussions").status_code == 302
    with _session(app) as s:
        assert s.get(TalkQuestion, qid).status == "visible"
    hidden = post(staff, base + "/masquer", {"reason": "Hors sujet"},
                  token_from="/equipe/discussions", follow_redirects=True)
    assert "Masqué." in visible(hidden)
    with _session(app) as s:
        assert s.get(TalkQuestion, qid).status == "hidden"
    assert post(staff, "/equipe/discussions/questions/99999/masquer", {"reason": "x"},
                token_from="/equipe/discussions").status_code == 404
