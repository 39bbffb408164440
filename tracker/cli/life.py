"""`zw life`: the challenge-life demo content."""
from __future__ import annotations
import datetime as dt
import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from tracker.terminal import echo
from zoneinfo import ZoneInfo
from tracker import clock
from tracker.services import events as event_service

from tracker.cli.common import app_db


@click.group("life")
def life_group():
    """Challenge-life content (workshops, news, teams)."""


DEMO_TIPS = [
    ("Composter en appartement", "Un lombricomposteur tient sous l'évier et ne sent pas.",
     "compost, cuisine"),
    ("Faire ses courses en vrac", "Des bocaux, des sacs en tissu, et la liste avant de partir.",
     "courses"),
    ("Le stop-pub sur la boîte aux lettres", "Jusqu'à 30 kg de papier en moins par an.",
     "papier"),
    ("Réparer plutôt que jeter", "Les repair cafés du territoire, une fois par mois.",
     "réemploi"),
]


@life_group.command("seed-demo")
@click.option("--challenge", "slug", default="demo", show_default=True)
@with_appcontext
def life_seed_demo(slug):
    """Open sign-up and add workshops, news, tips and two teams to an edition (for a demo)."""
    from sqlalchemy import select

    from tracker import services
    from tracker.models import Household
    from tracker.services import news, teams
    from tracker.services.preferences import edition_settings

    now = clock.now()
    with app_db().session() as s:
        edition = services.get_edition(s, slug)
        settings = edition_settings(s, edition)
        settings.enrolment_open = settings.teams_enabled = True
        settings.description = "Huit mois pour réduire nos déchets, accompagnés par le syndicat."
        zone = ZoneInfo(edition.timezone)
        day = now.astimezone(zone).date()
        for days, title, place, url, capacity in (
                (1, "Atelier lombricompostage", "Maison de l'environnement", "", 2),
                (6, "Réunion en ligne : bilan du mois", "", "https://visio.example.org/defi", None),
                (13, "Atelier produits ménagers maison", "Médiathèque", "", 12)):
            start = dt.datetime.combine(day + dt.timedelta(days=days), dt.time(18, 30), zone)
            event_service.create_event(s, edition, None, title=title, place=place,
                                       meeting_url=url, capacity=capacity, starts_at=start,
                                       ends_at=start + dt.timedelta(hours=1, minutes=30),
                                       description="Gratuit, pour les foyers du défi.")
        news.save_post(s, None, None, kind="news", edition_id=edition.id,
                       title="Bienvenue dans le défi !",
                       body="Pesez chaque poubelle avant de la sortir : quelques secondes suffisent.")
        for title, body, tags in DEMO_TIPS:
            news.save_post(s, None, None, kind="tip", title=title, body=body, tags=tags)
        households = s.scalars(select(Household).where(Household.edition_id == edition.id)
                               .order_by(Household.id)).all()
        squads = [teams.create_team(s, edition, name) for name in ("Les Colibris",
                                                                   "Les Hérissons")]
        for index, household in enumerate(households):
            teams.assign(s, household, squads[index % 2])
    echo(_("Edition %(slug)s: sign-up open, 3 workshops, news, %(tips)s tips, 2 teams "
           "of %(households)s households.", slug=slug, tips=len(DEMO_TIPS),
           households=len(households)))
