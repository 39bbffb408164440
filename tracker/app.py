"""The Flask application factory: nothing is built at import time."""
from __future__ import annotations

import logging

from flask import Flask

from tracker.config import Config
from tracker.db import Database
from tracker.private_files import private_dir

log = logging.getLogger(__name__)

#: The largest request body the app reads (nginx-zw.conf's client_max_body_size is the same).
MAX_BODY_BYTES = 1024 * 1024


def create_app(config: Config | None = None, **flask_config) -> Flask:
    """Build the web app from a Config (default: the ZW_* environment variables)."""
    cfg = config.resolved() if config is not None else Config.from_env()
    private_dir(cfg.instance_path)  # the database, secrets, outbox and logs: this user only
    app = Flask(__name__, instance_path=str(cfg.instance_path.resolve()),
                instance_relative_config=False)
    app.config.update(
        ZW=cfg,
        SECRET_KEY=cfg.secret_key,
        BABEL_DEFAULT_LOCALE=cfg.default_locale,
        BABEL_DEFAULT_TIMEZONE="Europe/Paris",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=cfg.session_cookie_secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=cfg.session_cookie_secure,
        # A phone page may stay open all evening before the bin goes out.
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_HEADERS=["X-CSRFToken", "X-CSRF-Token"],
        API_TITLE="Zero-waste tracker API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        # Every form and API body is far smaller (a 20,000-character news text is ~180 KiB
        # encoded); anything larger is refused before it is read (413), never parsed.
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
    )
    app.config.update(flask_config)
    app.extensions["zw_db"] = Database(cfg.database_url, flag_weight_g=cfg.flag_weight_g)

    from tracker import extensions as ext
    from tracker.web import register

    ext.babel.init_app(app, locale_selector=ext.select_locale)
    from tracker.web.common import fast_i18n

    fast_i18n.init_app(app)  # the same gettext and decimalformat, cheaper (issue 19)
    from tracker.web.common import figure_cells

    figure_cells.init_app(app)  # the family page's cells as filters, not macros (issue 19)
    ext.csrf.init_app(app)
    ext.login_manager.init_app(app)
    app.teardown_appcontext(ext.close_db)
    register(app)
    from tracker.web.common import ratelimit

    ratelimit.init_app(app)  # after the blueprints: limits are attached by endpoint
    if cfg.proxy_fix:  # behind nginx: the client's address and scheme from X-Forwarded-*
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = cfg.proxy_fix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    from ingest.command import ingest_command
    from tracker.cli import register_commands

    register_commands(app)
    # the factory joins the entry points: tracker.cli and ingest do not import each other
    app.cli.add_command(ingest_command)
    return app
