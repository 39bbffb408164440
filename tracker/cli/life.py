"""`zw life`: the challenge-life demo content."""
from __future__ import annotations

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from tracker import clock, demo
from tracker.cli.common import app_db
from tracker.terminal import echo


@click.group("life")
def life_group():
    """Challenge-life content (workshops, news, teams)."""


@life_group.command("seed-demo")
@click.option("--challenge", "slug", default="demo", show_default=True)
@with_appcontext
def life_seed_demo(slug):
    """Open sign-up and add workshops, news, tips and two teams to an edition (for a demo)."""
    from tracker import services
    from tracker.demo import seed_life

    with app_db().session() as s:
        edition = services.get_edition(s, slug)
        households = seed_life(s, edition, clock.now())
    echo(_("Edition %(slug)s: sign-up open, 3 workshops, news, %(tips)s tips, 2 teams "
           "of %(households)s households.", slug=slug, tips=len(demo.DEMO_TIPS),
           households=len(households)))
