"""Forms that take an email address answer the same, and as quickly, whoever owns it, and they
cannot be used to flood an address with mail.

Found: the family invitation form answered "Un compte existe déjà" (staff addresses included)
and sent 12 invitations in a row. The answer now reads the same for every address, the work that
depends on the address (looking it up, issuing a link, SMTP) runs after the answer is sent (so
the answer's time says nothing), and invitations and sign-ups are limited per account, per
client address and per address written to.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD, sign_in
from tests.life.conftest import outbox  # noqa: F401  (fixture)
from tests.life.helpers import csrf, post
from tests.security.helpers import changed_tables, snapshot
from tracker.models import Account
from tracker.models import OutgoingMail
from tracker.web.common import ratelimit


def count(limit: str) -> int:
    return int(limit.split("/")[0])


def _same(page: str, email: str) -> str:
    """The page with the address typed (echoed back) and the CSRF token blanked."""
    page = page.replace(email, "ADDRESS")
    return re.sub(r'name="csrf_token"[^>]*value="[^"]+"', "TOKEN", page)


def _mails(app) -> int:
    with app.extensions["zw_db"].session() as s:
        return s.scalar(select(func.count(OutgoingMail.id)))


# ------------------------------------------------------------------ invitations

MEMBERS, INVITE = "/foyer/membres", "/foyer/membres/inviter"
ADDRESSES = ["someone.new@example.org", "durand@example.org", "staff@example.org",
             "martin@example.org", "DURAND@Example.org "]


def test_the_invitation_answers_the_same_for_every_address(app, world, outbox):
    client = app.test_client()
    sign_in(client, "martin@example.org")
    answers = []
    for email in ADDRESSES:
        token = csrf(client, "/foyer/membres")
        before = _mails(app)
        response = client.post("/foyer/membres/inviter",
                               data={"email": email, "csrf_token": token})
        # the answer is complete before anything depends on the address (no mail queued yet)
        assert _mails(app) == before, email
        response.close()  # the server has sent it: the invitation is made now
        assert response.status_code == 302 and response.headers["Location"] == "/foyer/membres"
        answers.append(_same(client.get("/foyer/membres").get_data(as_text=True),
                             email.strip().lower()))
    others = answers[1:3] + answers[4:]  # (inviting oneself shows one's own address anyway)
    assert all(a == answers[0] for a in others), "a known address changed the answer"
    assert "Un compte existe" not in "".join(answers) and "already exists" not in "".join(answers)
    assert len(outbox.to("someone.new@example.org")) == 1  # the invitation
    assert "lien" in outbox.body(outbox.last("someone.new@example.org"))
    notice = outbox.last("durand@example.org")  # the owner of the address is told, once
    assert "déjà un compte" in outbox.body(notice) and "/lien/" not in outbox.body(notice)
    assert outbox.to("martin@example.org") == []  # already a member: nothing to send
    with app.extensions["zw_db"].session() as s:  # staff's account was left alone
        staff = s.scalar(select(Account).where(Account.email == "staff@example.org"))
        assert staff.household_id is None and staff.role == "staff"


def test_an_invalid_address_is_still_an_error(app, world):
    client = app.test_client()
    sign_in(client, "martin@example.org")
    response = post(client, INVITE, {"email": "not an address"}, token_from=MEMBERS)
    assert response.status_code == 422


def test_invitations_are_limited_per_member(app, world, outbox):
    client = app.test_client()
    sign_in(client, "martin@example.org")
    limit = count(ratelimit.INVITE_PER_ACCOUNT)
    for n in range(limit):
        assert post(client, INVITE, {"email": f"m{n}@example.org"},
                    token_from=MEMBERS).status_code == 302
    refused = post(client, INVITE, {"email": "one.more@example.org"}, token_from=MEMBERS)
    assert refused.status_code == 429 and "Trop de tentatives" in refused.get_data(as_text=True)
    assert outbox.to("one.more@example.org") == []
    assert len(outbox.messages()) == limit
    # the reminders switch on the same page sends nothing and is not held
    assert post(client, "/foyer/membres/rappels", token_from=MEMBERS).status_code == 302
    other = app.test_client()  # another household's member has their own budget
    sign_in(other, "durand@example.org")
    assert post(other, INVITE, {"email": "d1@example.org"}, token_from=MEMBERS).status_code == 302


def test_one_address_gets_few_mails_whoever_invites_it(app, world, outbox):
    from tracker import services
    from tracker.models import Household

    with app.extensions["zw_db"].session() as s:  # members of other households
        for n in range(4):
            household = services.create_household(
                s, s.get(Household, world["martin"]).edition, name=f"Foyer {n}", persons=2,
                commune="Orsay")
            services.create_account(s, email=f"f{n}@example.org", password=PASSWORD,
                                    household=household)
    statuses = []
    for n in range(4):
        client = app.test_client()
        sign_in(client, f"f{n}@example.org")
        statuses.append(post(client, INVITE, {"email": "victim@example.org"}, token_from=MEMBERS)
                        .status_code)
    limit = count(ratelimit.MAIL_PER_TARGET)
    assert statuses == [302] * limit + [429] * (4 - limit)
    received = [outbox.body(m) for m in outbox.to("victim@example.org")]
    assert len(received) == limit == len(outbox.messages())
    assert sum("/lien/" in body for body in received) == 1  # one invitation, then notices


# ------------------------------------------------------------------ sign-in links


def test_the_sign_in_link_form_answers_the_same_and_works_after_the_answer(app, world, outbox):
    client = app.test_client()
    pages = []
    for email in ("martin@example.org", "nobody@example.org", "staff@example.org"):
        token = csrf(client, "/connexion/lien")
        before = snapshot(app)
        response = client.post("/connexion/lien", data={"email": email, "csrf_token": token})
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert changed_tables(before, snapshot(app)) == [], "work done before the answer"
        response.close()
        pages.append(_same(page, email))
    assert pages[0] == pages[1] == pages[2]
    assert len(outbox.to("martin@example.org")) == 1 and len(outbox.to("staff@example.org")) == 1
    assert outbox.to("nobody@example.org") == []


# ------------------------------------------------------------------ sign-up


@pytest.fixture
def open_signup(app, world, now_in_edition):
    from tracker.models import Edition
    from tracker.services.preferences import edition_settings

    with app.extensions["zw_db"].session() as s:
        edition_settings(s, s.get(Edition, world["edition"])).enrolment_open = True
    return world


FORM = {"household_name": "Famille Petit", "persons": "4", "commune": "Palaiseau",
        "consent": "y"}


def test_the_sign_up_answers_the_same_and_mails_after_the_answer(app, open_signup, outbox):
    answers = []
    for email in ("petit@example.org", "martin@example.org", "staff@example.org",
                  "petit@example.org"):  # new, family account, staff account, duplicate
        client = app.test_client()
        token = csrf(client, "/inscription/defi-2026")
        sent = len(outbox.messages())  # the sender has sent everything queued so far
        response = client.post("/inscription/defi-2026",
                               data={**FORM, "email": email, "csrf_token": token})
        response.close()
        assert outbox.written() == sent, "the request sent mail itself"
        answers.append((response.status_code, response.headers.get("Location")))
    assert set(answers) == {(302, "/inscription/defi-2026/merci")}
    assert len(outbox.to("petit@example.org")) == 1  # received; the duplicate sends nothing
    assert len(outbox.to("martin@example.org")) == 1 and len(outbox.to("staff@example.org")) == 1


def test_the_sign_up_cannot_flood_an_address(app, open_signup, outbox):
    statuses = []
    for n in range(count(ratelimit.MAIL_PER_TARGET) + 2):
        client = app.test_client()  # a new visitor each time, from other addresses
        client.environ_base["REMOTE_ADDR"] = f"10.0.0.{n + 1}"
        statuses.append(post(client, "/inscription/defi-2026",
                             {**FORM, "email": "martin@example.org"}).status_code)
    limit = count(ratelimit.MAIL_PER_TARGET)
    assert statuses == [302] * limit + [429] * 2
    assert len(outbox.to("martin@example.org")) == limit


# ------------------------------------------------------------------ the API


def test_the_token_endpoint_answers_the_same_for_an_unknown_address(client, world):
    answers = [client.post("/api/v1/token", json={"email": email, "password": "wrong-one"})
               for email in ("martin@example.org", "nobody@example.org", "staff@example.org")]
    assert {a.status_code for a in answers} == {401}
    assert answers[0].get_json() == answers[1].get_json() == answers[2].get_json()
