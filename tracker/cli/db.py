"""`zw db`: the database schema."""
from __future__ import annotations
import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from tracker.terminal import echo

from tracker.cli.common import app_db


@click.group("db")
def db_group():
    """The database schema (Alembic migrations)."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@with_appcontext
def db_upgrade(revision):
    """Apply the migrations up to REVISION."""
    from tracker.migrate import upgrade

    upgrade(app_db().url, revision)
    echo(_("Database up to date."))
