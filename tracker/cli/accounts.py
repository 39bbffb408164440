"""`zw accounts`: create accounts."""
from __future__ import annotations
import secrets
import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from tracker import services
from tracker.services import audit
from tracker.domain import ROLES, DomainError, Role
from tracker.terminal import echo

from tracker.cli.common import app_db, fail


@click.group("accounts")
def accounts_group():
    """Sign-in accounts (families and staff)."""


@accounts_group.command("create")
@click.option("--email", required=True)
@click.option("--role", type=click.Choice(ROLES), default=Role.FAMILY.value,
              show_default=True)
@click.option("--household", help="household name (family accounts)")
@click.option("--challenge", help="edition slug (family accounts)")
@click.option("--password", help="default: a random one, printed once")
@with_appcontext
def accounts_create(email, role, household, challenge, password):
    """Create an account; a family account belongs to a household of an edition."""
    generated = password is None
    password = password or secrets.token_urlsafe(12)
    try:
        with app_db().session() as s:
            home = None
            if role == Role.FAMILY:
                if not household or not challenge:
                    fail(_("A family account needs --household and --challenge."))
                home = services.get_household(s, services.get_edition(s, challenge), household)
            account = services.create_account(s, email=email, password=password, role=role,
                                              household=home)
            audit.record_command(s, "account.create", household_id=home.id if home else None,
                                 account=account.id, role=role)
    except DomainError as exc:
        fail(_("Error: %(message)s", message=exc.message))
    echo(_("Account %(email)s (%(role)s) created.", email=email, role=role))
    if generated:
        echo(_("Password (shown once): %(password)s", password=password))
