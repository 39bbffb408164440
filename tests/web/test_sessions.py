"""Sign-out, sign-out everywhere, password changes and API tokens revoke what they should
(issue 14): copies of old cookies and old tokens are replayed, as an attacker who stole them
would, and must no longer sign in; the household's other phone stays signed in after a plain
sign-out."""
from __future__ import annotations

import pytest
from sqlalchemy import select, update

from tests.conftest import PASSWORD, _csrf_from
from tests.security.helpers import changed_tables, snapshot
from tracker import services
from tracker.models import Account, ApiToken, Household

MARTIN = "martin@example.org"
NEW_PASSWORD = "un-nouveau-mot-de-passe"
REMEMBER = "remember_token"
SIGNED_IN_PAGE = "/historique"  # a family page that exists with or without the account page


def browser(app, email=MARTIN, password=PASSWORD, remember=True):
    """A new browser (test client) signed in through the real form."""
    client = app.test_client()
    token = _csrf_from(client.get("/connexion").get_data(as_text=True))
    data = {"email": email, "password": password, "csrf_token": token}
    if remember:
        data["remember"] = "y"
    assert client.post("/connexion", data=data).status_code == 302
    return client


def signed_in(client) -> bool:
    response = client.get(SIGNED_IN_PAGE)
    assert response.status_code in (200, 302), response.status_code
    return response.status_code == 200


def replay(app, *, remember=None, session=None):
    """A new browser holding only copies of stolen cookie values."""
    client = app.test_client()
    if remember is not None:
        client.set_cookie(REMEMBER, remember)
    if session is not None:
        client.set_cookie("session", session)
    return client


def cookie(client, name):
    found = client.get_cookie(name)
    assert found is not None, f"no {name} cookie"
    return found.value


def post_form(client, path, data=None):
    """A form posted with the browser's CSRF token (the sign-in page always has one)."""
    token = _csrf_from(client.get("/connexion").get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **(data or {})})


def api_token(client, email=MARTIN, password=PASSWORD, name=""):
    body = {"email": email, "password": password, **({"name": name} if name else {})}
    response = client.post("/api/v1/token", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["token"]


def api_status(client, token) -> int:
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code


def test_a_replayed_remember_cookie_no_longer_signs_in_after_sign_out(app, world):
    phone, other_phone = browser(app), browser(app)
    stolen_remember, stolen_session = cookie(phone, REMEMBER), cookie(phone, "session")
    assert signed_in(replay(app, remember=stolen_remember))  # the copy works while signed in
    assert post_form(phone, "/deconnexion").status_code == 302
    assert not signed_in(phone)
    assert not signed_in(replay(app, remember=stolen_remember))
    assert not signed_in(replay(app, session=stolen_session))
    assert signed_in(other_phone)  # the family's other phone stays signed in


def test_sign_out_everywhere_signs_every_browser_out(app, world):
    phone, laptop = browser(app), browser(app, remember=False)
    stolen = {"remember": cookie(phone, REMEMBER), "session": cookie(phone, "session")}
    response = post_form(laptop, "/compte/deconnexion-partout")
    assert response.status_code == 302 and response.headers["Location"].endswith("/connexion")
    assert not signed_in(laptop) and not signed_in(phone)
    assert not signed_in(replay(app, remember=stolen["remember"]))
    assert not signed_in(replay(app, session=stolen["session"]))
    assert signed_in(browser(app))  # signing in again works


def test_a_password_change_signs_other_browsers_out_and_revokes_api_tokens(app, world):
    phone, other_phone = browser(app), browser(app)
    old_remember = cookie(phone, REMEMBER)
    token = api_token(app.test_client())
    assert api_status(app.test_client(), token) == 200
    response = post_form(phone, "/compte/mot-de-passe", {
        "current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert signed_in(phone)  # this browser stays signed in, with new cookies
    assert cookie(phone, REMEMBER) != old_remember
    assert signed_in(replay(app, remember=cookie(phone, REMEMBER)))
    assert not signed_in(other_phone)
    assert not signed_in(replay(app, remember=old_remember))
    assert api_status(app.test_client(), token) == 401
    assert signed_in(browser(app, password=NEW_PASSWORD))


@pytest.mark.parametrize("current,message", [
    ("pas-le-bon-mot-de-passe", "Le mot de passe actuel n&#39;est pas le bon."),
    ("", "Saisissez votre mot de passe actuel.")])
def test_a_password_change_needs_the_current_password(app, world, current, message):
    phone = browser(app)
    token = api_token(app.test_client())
    before = snapshot(app)
    response = post_form(phone, "/compte/mot-de-passe?lang=fr", {
        "current_password": current, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert changed_tables(before, snapshot(app)) == []
    assert signed_in(phone) and api_status(app.test_client(), token) == 200
    assert signed_in(browser(app, password=PASSWORD))


def test_the_password_page_asks_for_the_current_password(app, world):
    html = browser(app).get("/compte/mot-de-passe").get_data(as_text=True)
    assert 'name="current_password"' in html and 'autocomplete="current-password"' in html


def test_a_revoked_token_is_401_and_the_others_still_work(app, world):
    api = app.test_client()
    script, phone_app = api_token(api, name="script"), api_token(api, name="appli")
    durand_token = api_token(api, email="durand@example.org")
    assert api_status(api, script) == api_status(api, phone_app) == 200
    page = browser(app)
    html = page.get("/compte").get_data(as_text=True)
    assert "script" in html and "appli" in html
    assert script not in html and phone_app not in html  # the secret is never shown again
    with app.extensions["zw_db"].session() as s:
        ids = {t.name: t.id for t in s.scalars(select(ApiToken))}
        durand_id = next(t.id for t in s.scalars(select(ApiToken).join(Account).where(
            Account.email == "durand@example.org")))
    assert post_form(page, f"/compte/jetons/{ids['script']}/revoquer").status_code == 302
    assert api_status(api, script) == 401
    assert api_status(api, phone_app) == 200
    before = snapshot(app)  # another account's token: 404, nothing revoked
    assert post_form(page, f"/compte/jetons/{durand_id}/revoquer").status_code == 404
    assert changed_tables(before, snapshot(app)) == []
    assert api_status(api, durand_token) == 200


def test_a_token_in_use_shows_when_it_was_last_used(app, world, now_in_edition):
    api = app.test_client()
    token = api_token(api, name="balance")
    assert api_status(api, token) == 200
    with app.extensions["zw_db"].session() as s:
        assert s.scalar(select(ApiToken.last_used_at)) is not None


def test_a_password_reset_by_email_link_skips_the_current_password_and_revokes(app, world):
    """A forgotten password: a sign-in link proves the mailbox, then a new password without the
    old one; other browsers and API tokens are revoked as for a change."""
    from tracker.services import links

    other_phone = browser(app)
    token = api_token(app.test_client())
    with app.extensions["zw_db"].session() as s:
        account = s.scalar(select(Account).where(Account.email == MARTIN))
        link = links.issue_link(s, account, links.SIGNIN)
    phone = app.test_client()
    page = phone.get(f"/lien/{link}").get_data(as_text=True)
    assert phone.post(f"/lien/{link}", data={"csrf_token": _csrf_from(page)}).status_code == 302
    html = phone.get("/compte/mot-de-passe").get_data(as_text=True)
    assert 'name="current_password"' not in html
    response = phone.post("/compte/mot-de-passe", data={
        "csrf_token": _csrf_from(html), "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert signed_in(phone) and not signed_in(other_phone)
    assert api_status(app.test_client(), token) == 401
    # The reset is once: the current password is asked for again afterwards.
    assert 'name="current_password"' in phone.get("/compte/mot-de-passe").get_data(as_text=True)


def test_an_erased_households_cookie_does_not_sign_in_to_a_later_account(app, world):
    """Erasure deletes the accounts; a new account that gets the same id (SQLite reuses the
    highest rowid) must not be signed in by the erased account's remember-me cookie."""
    from tracker.services.privacy import erase_household

    with app.extensions["zw_db"].session() as s:
        edition_id = s.get(Household, world["martin"]).edition_id
        last = services.create_household(s, s.get(Household, world["martin"]).edition,
                                         name="Leroy", persons=2)
        services.create_account(s, email="leroy@example.org", password=PASSWORD,
                                household=last)
        last_id = last.id
    leroy = browser(app, email="leroy@example.org")
    stolen = cookie(leroy, REMEMBER)
    with app.extensions["zw_db"].session() as s:
        staff = s.scalar(select(Account).where(Account.role == "staff"))
        erase_household(s, s.get(Household, last_id), staff, "Leroy")
    with app.extensions["zw_db"].session() as s:
        from tracker.models import Edition

        again = services.create_household(s, s.get(Edition, edition_id), name="Petit",
                                          persons=1)
        services.create_account(s, email="petit@example.org", password=PASSWORD,
                                household=again)
    assert not signed_in(replay(app, remember=stolen))
    assert not signed_in(leroy)


def test_a_session_with_the_bare_account_id_is_refused(app, world):
    """Cookies made before the session generation (`"5"`, the id alone) sign in no more."""
    phone = browser(app, remember=False)
    with phone.session_transaction() as session:
        account_id, generation, key = session["_user_id"].split(":")
        assert account_id.isdigit() and generation and key
        session["_user_id"] = account_id
    assert not signed_in(phone)


def test_guessing_the_current_password_is_rate_limited(app, world):
    """A stolen session cannot try passwords on the change form faster than at the sign-in."""
    from tracker.web.common import ratelimit

    phone = browser(app)
    tries = int(ratelimit.SIGN_IN_PER_EMAIL.split("/")[0])
    for n in range(tries):
        assert post_form(phone, "/compte/mot-de-passe", {
            "current_password": f"essai-{n}", "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD}).status_code == 422
    assert post_form(phone, "/compte/mot-de-passe", {
        "current_password": PASSWORD, "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD}).status_code == 429
    assert signed_in(browser(app, password=PASSWORD))  # nothing changed


def test_a_new_address_or_browser_version_does_not_sign_the_family_out(app, world):
    """Session protection "basic" (issue 18): a phone moving from Wi-Fi to 4G, or a browser
    update, keeps its session; revocation is the server's (sign-in rows, generation)."""
    phone = browser(app)
    moved = {"REMOTE_ADDR": "10.9.8.7"}
    assert phone.get(SIGNED_IN_PAGE, environ_base=moved,
                     headers={"User-Agent": "Firefox/200.0"}).status_code == 200
    assert signed_in(phone)


def test_an_account_keeps_a_bounded_number_of_sign_ins(app, world, monkeypatch):
    """Browsers that never sign out leave rows; beyond the limit the oldest are signed out."""
    from tracker.services import sessions

    monkeypatch.setattr(sessions, "MAX_SIGN_INS", 3)
    first, *others = [browser(app, remember=False) for _ in range(4)]
    assert not signed_in(first)
    assert all(signed_in(b) for b in others)
    with app.extensions["zw_db"].session() as s:
        account = s.scalar(select(Account).where(Account.email == MARTIN))
        assert len(sessions.sign_ins(s, account)) == 3


def test_a_disabled_account_is_signed_out_and_stays_so_when_enabled_again(app, world):
    """No page disables an account today; whatever path does it later retires the cookies."""
    phone = browser(app)
    stolen = cookie(phone, REMEMBER)
    for active in (False, True):
        with app.extensions["zw_db"].session() as s:
            s.scalar(select(Account).where(Account.email == MARTIN)).active = active
        if not active:
            assert not signed_in(replay(app, remember=stolen))
    assert not signed_in(phone) and not signed_in(replay(app, remember=stolen))
    assert signed_in(browser(app))


def test_a_page_read_with_a_token_records_its_use_once(app, world, now_in_edition):
    """A page read with a bearer token (a phone app's web view) saves the token's "last used"
    (a GET never commits afterwards: it was written and rolled back on every page) and the
    next reads within the precision write nothing."""
    from sqlalchemy import event

    api = app.test_client()
    token = api_token(api, name="vue web")
    with app.extensions["zw_db"].session() as s:
        s.execute(update(ApiToken).values(last_used_at=None))
        s.commit()
    headers = {"Authorization": f"Bearer {token}"}
    engine = app.extensions["zw_db"].engine
    updates = []

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("UPDATE API_TOKENS"):
            updates.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert api.get("/progres", headers=headers).status_code == 200
        with app.extensions["zw_db"].session() as s:
            assert s.scalar(select(ApiToken.last_used_at)) is not None
        for _ in range(3):
            assert api.get("/progres", headers=headers).status_code == 200
        assert api_status(api, token) == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(updates) == 1


def test_a_tokens_use_does_not_commit_a_views_pending_change(app, world, now_in_edition):
    """`bearer_account` commits the token's "last used" only when the request's session holds
    nothing else: a change a view has pending is left for the view to commit or roll back."""
    from tracker.extensions import db
    from tracker.web.common.auth import bearer_account

    token = api_token(app.test_client(), name="appli")
    with app.extensions["zw_db"].session() as s:
        s.execute(update(ApiToken).values(last_used_at=None))
        s.commit()
    with app.test_request_context("/"):
        household = db().get(Household, world["martin"])
        household.name = "Pas encore enregistré"
        assert bearer_account(f"Bearer {token}") is not None
        db().rollback()  # the view fails: neither its change nor the token's date is kept
    with app.extensions["zw_db"].session() as s:
        assert s.get(Household, world["martin"]).name != "Pas encore enregistré"
        assert s.scalar(select(ApiToken.last_used_at)) is None
    with app.test_request_context("/"):  # nothing pending: the date is committed at once
        assert bearer_account(f"Bearer {token}") is not None
        db().rollback()
    with app.extensions["zw_db"].session() as s:
        assert s.scalar(select(ApiToken.last_used_at)) is not None
