"""A forgotten password reset by an e-mail link: the same answer whoever owns the address, a
mail queued (not sent by the request), a single-use expiring link, sessions and API tokens
revoked as by a password change."""
from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from tests.conftest import PASSWORD, sign_in
from tests.life.helpers import post, text
from tracker import clock, services
from tracker.models import Account
from tracker.models import OutgoingMail

REQUEST = "/connexion/mot-de-passe-oublie"


def queued(app, to=None):
    with app.extensions["zw_db"].session() as s:
        query = select(OutgoingMail).where(OutgoingMail.kind == "password_reset")
        if to:
            query = query.where(OutgoingMail.to_addr == to)
        return [(m.to_addr, m.body, m.sent_at) for m in s.scalars(query.order_by(OutgoingMail.id))]


def link_of(body: str) -> str:
    return re.search(r"https?://[^/\s]+(/mot-de-passe/\S+)", body).group(1)


def _same(page: str, email: str) -> str:
    page = page.replace(email, "ADDRESS")
    return re.sub(r'name="csrf_token"[^>]*value="[^"]+"', "TOKEN", page)


def test_the_sign_in_page_links_to_every_way_in(client, world):
    page = text(client.get("/connexion"))
    for href, words in [(REQUEST, "Mot de passe oublié ?"), ("/connexion/lien", "par un lien"),
                        ("/inscription", "Rejoignez le défi")]:
        assert f'href="{href}"' in page and words in page


def test_same_answer_whoever_owns_the_address(app, client, world):
    answers = {email: _same(text(post(client, REQUEST, {"email": email})), email)
               for email in ("martin@example.org", "nobody@example.org")}
    assert answers["martin@example.org"] == answers["nobody@example.org"]
    assert "un lien pour choisir un nouveau mot de passe est en route" in \
        answers["nobody@example.org"]
    assert [(to, sent) for to, _body, sent in queued(app)] == [("martin@example.org", None)]


def test_reset_sets_the_password_once_and_revokes_everything(app, client, world):
    other = app.test_client()  # another browser, signed in before the reset
    assert sign_in(other, "martin@example.org").status_code == 302
    with app.extensions["zw_db"].session() as s:
        account = s.scalar(select(Account).where(Account.email == "martin@example.org"))
        api_token = services.issue_api_token(s, account)
        s.commit()
    post(client, REQUEST, {"email": "MARTIN@example.org"})
    path = link_of(queued(app)[0][1])
    page = client.get(path)
    assert page.status_code == 200 and "Choisir un nouveau mot de passe" in text(page)
    mismatch = post(client, path, {"password": "nouveau-secret-1", "confirm": "autre"})
    assert mismatch.status_code == 422  # the link is still valid
    done = post(client, path, {"password": "nouveau-secret-1", "confirm": "nouveau-secret-1"})
    assert done.status_code == 302
    assert client.get("/pesee").status_code == 200  # this browser is signed in
    assert other.get("/pesee").status_code == 302  # the other one is signed out
    assert app.test_client().get("/api/v1/me", headers={
        "Authorization": f"Bearer {api_token}"}).status_code == 401
    assert sign_in(app.test_client(), "martin@example.org", PASSWORD).status_code != 302
    assert sign_in(app.test_client(), "martin@example.org", "nouveau-secret-1").status_code \
        == 302
    again = post(app.test_client(), path, {"password": "x-autre-9", "confirm": "x-autre-9"},
                 token_from="/connexion")
    assert again.status_code == 410 and "déjà été utilisé" in text(again)


def test_an_expired_or_foreign_link_does_not_reset(app, client, world, monkeypatch):
    post(client, REQUEST, {"email": "durand@example.org"})
    path = link_of(queued(app)[0][1])
    later = clock.now() + dt.timedelta(minutes=31)
    monkeypatch.setattr(clock, "now", lambda: later)
    response = client.get(path)
    assert response.status_code == 410 and "expiré" in text(response)
    monkeypatch.undo()
    with app.extensions["zw_db"].session() as s:  # a sign-in link is no reset link
        from tracker.services import links
        account = s.scalar(select(Account).where(Account.email == "durand@example.org"))
        token = links.issue_link(s, account, links.SIGNIN)
        s.commit()
    assert client.get(f"/mot-de-passe/{token}").status_code == 410


def test_reset_links_are_limited_per_account(app, client, world):
    for _ in range(5):
        post(client, REQUEST, {"email": "martin@example.org"})
    assert len(queued(app)) == 3
