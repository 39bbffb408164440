"""Enrolment by email end to end: sign-up → staff approval → invitation link → first weigh-in."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from tests.conftest import sign_in
from tests.life.helpers import csrf, post, text
from tracker.models import Account, Household, WeighIn
from tracker.models import Enrolment, LoginToken
from tracker.services import links

SIGN_UP = "/inscription/defi-2026"
FORM = {"household_name": "Famille Petit", "persons": "4", "commune": "Palaiseau",
        "email": "Petit@Example.org", "consent": "y"}


def test_sign_up_approval_link_and_first_weigh_in(app, client, open_edition, outbox,
                                                   now_in_edition):
    assert client.get("/inscription").headers["Location"].endswith(SIGN_UP)
    page = client.get(SIGN_UP)
    assert page.status_code == 200 and "consent" in text(page)
    response = post(client, SIGN_UP, FORM)
    assert response.status_code == 302 and response.headers["Location"].endswith("/merci")
    received = outbox.last("petit@example.org")
    assert "Famille Petit" in outbox.body(received)

    # staff approve: household + account without password + invitation by email
    assert sign_in(client, "staff@example.org").status_code == 302
    listing = client.get("/equipe/inscriptions")
    assert "Famille Petit" in text(listing) and "petit@example.org" in text(listing)
    with app.extensions["zw_db"].session() as s:
        enrolment_id = s.scalar(select(Enrolment.id))
    response = post(client, f"/equipe/inscriptions/{enrolment_id}/valider",
                    {"household_name": "Famille Petit"}, token_from="/equipe/inscriptions")
    assert response.status_code == 302
    with app.extensions["zw_db"].session() as s:
        household = s.scalar(select(Household).where(Household.name == "Famille Petit"))
        assert household.persons_on(dt.date(2026, 3, 1)) == 4 and household.commune == "Palaiseau"
        account = s.scalar(select(Account).where(Account.email == "petit@example.org"))
        assert account.household_id == household.id and account.password_hash is None
        # only the hash of the token is stored
        stored = s.scalar(select(LoginToken).where(LoginToken.account_id == account.id))
        assert stored.purpose == "invite" and len(stored.token_hash) == 64
    invitation = outbox.last("petit@example.org")
    path = outbox.link(invitation)
    assert path.startswith("/lien/") and stored.token_hash not in path
    assert links.token_hash(path.rsplit("/", 1)[1]) == stored.token_hash

    # the family follows the link (another browser): a button, then signed in
    family = app.test_client()
    confirm = family.get(path)
    assert confirm.status_code == 200 and "petit@example.org" in text(confirm)
    response = post(family, path, token_from=path)
    assert response.status_code == 302 and "/compte/mot-de-passe" in response.headers["Location"]
    # single use
    assert family.get(path).status_code == 410
    assert post(app.test_client(), path, token_from="/connexion").status_code == 410

    # first weigh-in through the family page
    response = post(family, "/pesee", {"stream": "residual", "weight_kg": "1,5"})
    assert response.status_code == 302
    with app.extensions["zw_db"].session() as s:
        weights = s.scalars(select(WeighIn.weight_g).where(
            WeighIn.household_id == household.id)).all()
    assert weights == [1500]


def test_sign_up_requires_consent_and_valid_fields(client, open_edition, outbox, app):
    response = post(client, SIGN_UP, {**FORM, "consent": ""})
    assert response.status_code == 422
    assert 'id="consent"' in text(response) and 'aria-invalid="true"' in text(response)
    response = post(client, SIGN_UP, {**FORM, "persons": "0"})
    assert response.status_code == 422
    with app.extensions["zw_db"].session() as s:
        assert s.scalar(select(Enrolment.id)) is None
    assert outbox.messages() == []


def test_sign_up_closed_edition_and_known_address(client, world, outbox, app, now_in_edition):
    assert client.get(SIGN_UP).status_code == 404  # enrolment not switched on
    assert client.get("/inscription").status_code == 200
    with app.extensions["zw_db"].session() as s:
        from tracker.models import Edition
        from tracker.services.preferences import edition_settings
        edition_settings(s, s.get(Edition, world["edition"])).enrolment_open = True
    # an address with an account: same answer, nothing stored, the owner gets a hint by mail
    response = post(client, SIGN_UP, {**FORM, "email": "martin@example.org"})
    assert response.status_code == 302
    with app.extensions["zw_db"].session() as s:
        assert s.scalar(select(Enrolment.id)) is None
    assert "/connexion/lien" in outbox.body(outbox.last("martin@example.org"))
    # twice the same request: stored once
    post(client, SIGN_UP, FORM)
    post(client, SIGN_UP, FORM)
    with app.extensions["zw_db"].session() as s:
        assert len(s.scalars(select(Enrolment)).all()) == 1


def test_decline_deletes_the_request(app, client, open_edition, outbox):
    post(client, SIGN_UP, FORM)
    sign_in(client, "staff@example.org")
    with app.extensions["zw_db"].session() as s:
        enrolment_id = s.scalar(select(Enrolment.id))
    post(client, f"/equipe/inscriptions/{enrolment_id}/refuser", token_from="/equipe/inscriptions")
    with app.extensions["zw_db"].session() as s:
        assert s.scalar(select(Enrolment.id)) is None
        assert s.scalar(select(Account.id).where(Account.email == "petit@example.org")) is None


def test_sign_in_link_is_single_use_and_expires(app, client, world, outbox, monkeypatch):
    from tracker import clock

    now = dt.datetime(2026, 4, 15, 10, 0, tzinfo=dt.timezone.utc)
    monkeypatch.setattr(clock, "now", lambda: now)
    page = post(client, "/connexion/lien", {"email": "MARTIN@example.org"})
    assert page.status_code == 200
    unknown = post(client, "/connexion/lien", {"email": "nobody@example.org"})
    assert unknown.status_code == 200  # same answer, no mail
    assert outbox.to("nobody@example.org") == []
    first = outbox.link(outbox.last("martin@example.org"))
    post(client, "/connexion/lien", {"email": "martin@example.org"})
    second = outbox.link(outbox.last("martin@example.org"))
    assert first != second

    browser = app.test_client()
    response = post(browser, second, token_from=second)
    assert response.status_code == 302
    assert browser.get("/pesee").status_code == 200
    # using one link retires the other open ones
    assert app.test_client().get(first).status_code == 410

    post(client, "/connexion/lien", {"email": "martin@example.org"})
    late = outbox.link(outbox.last("martin@example.org"))
    monkeypatch.setattr(clock, "now", lambda: now + dt.timedelta(minutes=31))
    assert "expir" in text(app.test_client().get(late)).lower()


def test_sign_in_links_are_rate_limited(client, world, outbox, now_in_edition):
    for _ in range(5):
        post(client, "/connexion/lien", {"email": "martin@example.org"})
    assert len(outbox.to("martin@example.org")) == 3


def test_a_member_invites_another_and_passwords_are_optional(app, client, world, outbox,
                                                             now_in_edition):
    sign_in(client, "martin@example.org")
    page = client.get("/foyer/membres")
    assert page.status_code == 200 and "martin@example.org" in text(page)
    response = post(client, "/foyer/membres/inviter", {"email": "alex.martin@example.org"},
                    token_from="/foyer/membres")
    assert response.status_code == 302
    # an address with an account elsewhere: the same answer; its owner is told by mail
    assert post(client, "/foyer/membres/inviter", {"email": "durand@example.org"},
                token_from="/foyer/membres").status_code == 302
    assert "Martin" in outbox.body(outbox.last("durand@example.org"))
    path = outbox.link(outbox.last("alex.martin@example.org"))
    other = app.test_client()
    post(other, path, token_from=path)
    assert post(other, "/compte/mot-de-passe", {"password": "court", "confirm": "court"}
                ).status_code == 422
    assert post(other, "/compte/mot-de-passe", {"password": "un-long-secret",
                                                "confirm": "un-long-secret"}).status_code == 302
    third = app.test_client()
    assert sign_in(third, "alex.martin@example.org", "un-long-secret").status_code == 302
    assert "Martin" in text(third.get("/pesee"))


def test_staff_pages_need_staff(client, world):
    for path in ("/equipe/inscriptions", "/equipe/courriels/"):
        assert "/connexion" in client.get(path).headers["Location"]
    sign_in(client, "martin@example.org")
    for path in ("/equipe/inscriptions", "/equipe/courriels/"):
        assert client.get(path).status_code == 403
    assert client.post("/equipe/inscriptions/1/valider",
                       data={"csrf_token": csrf(client, "/pesee")}).status_code == 403


def test_outbox_page_lists_messages(app, client, world, outbox, now_in_edition):
    post(client, "/connexion/lien", {"email": "martin@example.org"})
    sign_in(client, "staff@example.org")
    listing = client.get("/equipe/courriels/")
    assert listing.status_code == 200 and "martin@example.org" in text(listing)
    assert "en attente" in text(listing)  # queued by the request, not sent by it
    assert len(outbox.to("martin@example.org")) == 1  # the sender's pass
    from tracker.models import OutgoingMail
    with app.extensions["zw_db"].session() as s:
        mail = s.scalar(select(OutgoingMail))
        assert mail.sent_at is not None and mail.body == "" and mail.outbox_file
    shown = client.get(f"/equipe/courriels/{mail.id}")
    assert "/lien/" in text(shown)
