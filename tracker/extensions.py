"""Flask extensions, created unbound and bound in the factory with `init_app`."""
from __future__ import annotations

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
    """French first: the language chosen on the page, then the account's, then French."""
    from flask_login import current_user

    if not has_request_context():  # the CLI and background work speak English
        return "en"
    chosen = request.args.get("lang")
    if chosen in LOCALES:
        session["lang"] = chosen
        return chosen
    if session.get("lang") in LOCALES:
        return session["lang"]
    if getattr(current_user, "is_authenticated", False) and current_user.locale in LOCALES:
        return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]
