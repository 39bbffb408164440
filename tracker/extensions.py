"""Flask extensions, created unbound and bound in the factory with `init_app`."""
from __future__ import annotations

import os

from flask import current_app, g, has_request_context, request, session
from flask_babel import Babel
from flask_login import LoginManager
from flask_smorest import Api
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import Session

LOCALES = ("fr", "en")

babel = Babel()
login_manager = LoginManager()
csrf = CSRFProtect()
api = Api()


def db() -> Session:
    """The request's database session (opened on first use, closed at teardown)."""
    if "db" not in g:
        g.db = current_app.extensions["zw_db"].sessionmaker()
    return g.db


def close_db(_exc=None) -> None:
    session = g.pop("db", None)
    if session is not None:
        session.rollback()
        session.close()


def select_locale() -> str:
    """French first: the language chosen on the page, then the account's, then French.
    Outside a request: the `zw` command's language (ZW_CLI_LOCALE, set by tracker.entry from
    `cli_locale`), else English (background work; mails choose their own, tracker.web.common.mailer)."""
    from flask_login import current_user

    if not has_request_context():
        return current_app.config.get("ZW_CLI_LOCALE") or "en"
    chosen = request.args.get("lang")
    if chosen in LOCALES:
        session["lang"] = chosen
        return chosen
    if session.get("lang") in LOCALES:
        return session["lang"]
    if getattr(current_user, "is_authenticated", False) and current_user.locale in LOCALES:
        return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def cli_locale(default: str, environ=None) -> str:
    """The language of the `zw` command: ZW_LOCALE if it is one of ours, else the system's
    (LC_ALL, then LC_MESSAGES, then LANG, the first one set, as gettext reads them) when it is
    one of ours, else `default` (the configuration's, French): `LANG=C.UTF-8`, a server's
    usual, gives French; `LANG=en_GB.UTF-8` or `ZW_LOCALE=en` gives English."""
    environ = os.environ if environ is None else environ
    wanted = environ.get("ZW_LOCALE", "").strip().lower()
    if wanted in LOCALES:
        return wanted
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "").strip()
        if value:
            language = value.split(".", 1)[0].split("@", 1)[0].split("_", 1)[0].lower()
            return language if language in LOCALES else default
    return default
