"""Rate limits (Flask-Limiter): sign-in attempts per address and email, API calls per token.

The limits are listed here, by endpoint, and attached once every blueprint is registered, so the
views stay free of decorators. Counters live in `ZW_RATELIMIT_STORAGE_URL`: `memory://` (one
process: `zw run`, tests) or `redis://host:6379/0` when several gunicorn workers or hosts must
count together. A storage outage never takes the site down: the counting falls back to memory.
Behind a reverse proxy, set `ZW_PROXY_FIX` so that the client's address is the real one, or
every visitor shares the proxy's address and its limits.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Callable

from flask import Flask, request, session
from flask_limiter import Limiter

log = logging.getLogger(__name__)

#: Sign-in attempts for one email from one address (a family mistyping is far below this).
SIGN_IN_PER_EMAIL = "10/minute"
#: Sign-in attempts from one address whatever the email (password spraying across accounts).
SIGN_IN_PER_ADDRESS = "50/minute"
#: API calls per token (or per signed-in session); a phone or a script is far below this.
API_PER_CLIENT = "300/minute"
#: API calls answered 401 from one address (token guessing); counted only when refused, and
#: never applied to a call with a valid token or session (a shared address is not locked out).
API_REFUSED_PER_ADDRESS = "30/minute"
#: Mailing endpoints (sign-in links, sign-ups) per address: each one may send a mail.
MAIL_PER_ADDRESS = "10/minute"
#: Invitations a signed-in member sends (a household has a handful of members).
INVITE_PER_ACCOUNT = "5/hour"
#: Invitation rounds a staff member starts (each household is invited at most once a week by the
#: service; this keeps a stuck button or a script from queueing the same round over and over).
INVITE_ROUND_PER_ACCOUNT = "10/hour"
#: Messages a signed-in account publishes in the discussions (questions, answers, comments);
#: each may send mails, and a family writes a few a day.
TALK_PER_ACCOUNT = "10/minute;60/day"
#: Mails the public forms (sign-up, invitation) may send to one address, whoever asks.
MAIL_PER_TARGET = "3/day"


def client_address() -> str:
    """The client's address (the real one when ProxyFix trusts the proxy's X-Forwarded-For)."""
    return request.remote_addr or "unknown"


def address_and_email() -> str:
    """`<address>|<email>` of a sign-in form or a token request (JSON or form)."""
    email = request.form.get("email")
    if email is None:
        body = request.get_json(silent=True)
        email = body.get("email") if isinstance(body, dict) else None
    email = email if isinstance(email, str) else ""
    return f"{client_address()}|{email.strip().lower()[:254]}"


def target_email() -> str:
    """The address a form would write to (sign-up, invitation), whoever sends the form."""
    return "to:" + (request.form.get("email") or "").strip().lower()[:254]


def _form_accepted(response) -> bool:
    """Only a form that was accepted (it redirects) may send a mail: only it is counted."""
    return response.status_code == 302


def api_client() -> str:
    """The API caller: its token (hashed: keys may be stored in redis), its session, its address."""
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return "token:" + hashlib.sha256(header[7:].strip().encode()).hexdigest()[:32]
    return signed_in_account()


def signed_in_account() -> str:
    """The signed-in account (its id: the session's `<id>:<generation>:<sign-in key>` names one
    browser), else the address."""
    user_id = session.get("_user_id")
    if user_id:
        return "account:" + str(user_id).split(":", 1)[0]
    return "address:" + client_address()


def _refused(response) -> bool:
    return response.status_code == 401


def _valid_credentials() -> bool:
    """The request carries a valid API token or session: the limit on refusals is not for it.

    Behind a proxy without ZW_PROXY_FIX every visitor shares one address: someone guessing
    tokens must not lock every family out. Tokens are 256-bit random values, so the limit slows
    a guesser and keeps the log quiet; it is not what makes a token hard to find."""
    from tracker.web.api.v1 import api_caller  # the API decides who the caller is

    return api_caller() is not None


@dataclass(frozen=True)
class Rule:
    limit: str
    key: Callable[[], str]
    methods: tuple[str, ...] | None = None  # None: every method
    deduct_when: Callable | None = None
    exempt_when: Callable[[], bool] | None = None
    scope: str | None = None  # a name: the counter is shared by every endpoint of the scope


#: Endpoint → its limits. API blueprints get API_RULES as well (see `init_app`).
ENDPOINT_RULES: dict[str, tuple[Rule, ...]] = {
    "auth.sign_in": (Rule(SIGN_IN_PER_EMAIL, address_and_email, ("POST",)),
                     Rule(SIGN_IN_PER_ADDRESS, client_address, ("POST",), scope="sign-in")),
    "account.token": (Rule(SIGN_IN_PER_EMAIL, address_and_email, ("POST",)),
                      Rule(SIGN_IN_PER_ADDRESS, client_address, ("POST",), scope="sign-in")),
    "public_links.request_link": (Rule(MAIL_PER_ADDRESS, client_address, ("POST",)),),
    "password_reset.request_reset": (Rule(MAIL_PER_ADDRESS, client_address, ("POST",)),),
    "password_reset.new_password": (Rule(SIGN_IN_PER_ADDRESS, client_address, ("POST",),
                                         scope="sign-in"),),
    # Guessing the current password with a stolen session: as many tries as at the sign-in.
    "my_account.password": (Rule(SIGN_IN_PER_EMAIL, signed_in_account, ("POST",)),),
    # The members page's invitation (its reminders switch, family_members.reminders, sends
    # nothing and is not limited).
    "family_members.invite": (
        Rule(INVITE_PER_ACCOUNT, signed_in_account, ("POST",), deduct_when=_form_accepted),
        Rule(MAIL_PER_TARGET, target_email, ("POST",), deduct_when=_form_accepted,
             scope="mail-target")),
    "public_enrolment.sign_up": (
        Rule(MAIL_PER_ADDRESS, client_address, ("POST",)),
        Rule(MAIL_PER_TARGET, target_email, ("POST",), deduct_when=_form_accepted,
             scope="mail-target")),
    "staff_households.invite": (Rule(INVITE_ROUND_PER_ACCOUNT, signed_in_account, ("POST",)),),
    # Discussions: only a published message counts (a refused form redirects no one).
    **{endpoint: (Rule(TALK_PER_ACCOUNT, signed_in_account, ("POST",), deduct_when=_form_accepted,
                       scope="talk"),)
       for endpoint in ("talk.index", "talk.thread", "talk.post_comments")},
}
API_RULES = (Rule(API_PER_CLIENT, api_client, scope="api"),
             Rule(API_REFUSED_PER_ADDRESS, client_address, deduct_when=_refused,
                  exempt_when=_valid_credentials, scope="api-refused"))
API_PREFIX = "/api/"
API_EXEMPT = {"api-docs"}  # the OpenAPI document is static


def init_app(app: Flask) -> Limiter | None:
    """Create the app's limiter (one per app: tests never share counters) and attach the rules."""
    cfg = app.config["ZW"]
    app.config.setdefault("RATELIMIT_ENABLED", cfg.ratelimit_enabled)
    app.config.setdefault("RATELIMIT_STORAGE_URI", cfg.ratelimit_storage_url)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "zw")
    limiter = Limiter(key_func=client_address, swallow_errors=True,
                      in_memory_fallback_enabled=True)
    limiter.init_app(app)
    if not limiter.enabled:
        return None
    for endpoint, rules in ENDPOINT_RULES.items():
        view = app.view_functions.get(endpoint)
        if view is None:
            continue
        for rule in rules:
            view = _decorator(limiter, rule)(view)
        app.view_functions[endpoint] = view
    for name, blueprint in app.blueprints.items():
        if name in API_EXEMPT or not (blueprint.url_prefix or "").startswith(API_PREFIX):
            continue
        for rule in API_RULES:
            _decorator(limiter, rule)(blueprint)
    log.debug("rate limits on, storage %s", app.config["RATELIMIT_STORAGE_URI"].split("@")[-1])
    return limiter


def _decorator(limiter: Limiter, rule: Rule):
    methods = list(rule.methods) if rule.methods else None
    if rule.scope:
        return limiter.shared_limit(rule.limit, scope=rule.scope, key_func=rule.key,
                                    methods=methods, deduct_when=rule.deduct_when,
                                    exempt_when=rule.exempt_when)
    return limiter.limit(rule.limit, key_func=rule.key, methods=methods,
                         deduct_when=rule.deduct_when, exempt_when=rule.exempt_when)
