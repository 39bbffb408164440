"""Demo data for `zw run` on a new database: an edition in progress, households, weigh-ins."""
from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from sqlalchemy import select

from tracker import clock, services
from tracker.domain import PostKind, Role, Source, Stream, add_months
from tracker.models import Household

DEMO_SLUG = "demo"
DEMO_PASSWORD = "zerodechet"
DEMO_FAMILY_EMAIL = "famille@demo.zw"
DEMO_STAFF_EMAIL = "equipe@demo.zw"

HOUSEHOLDS = [("Famille Martin", 4, "Orsay"), ("Famille Bernard", 2, "Gif-sur-Yvette"),
              ("Famille Dubois", 3, "Bures-sur-Yvette"), ("Famille Thomas", 5, "Les Ulis"),
              ("Famille Robert", 1, "Orsay"), ("Famille Richard", 2, "Villebon-sur-Yvette"),
              ("Famille Petit", 4, "Saulx-les-Chartreux"), ("Famille Durand", 3, "Gometz-le-Châtel"),
              ("Famille Leroy", 2, "Saint-Rémy-lès-Chevreuse"), ("Famille Moreau", 6, "Palaiseau"),
              ("Famille Simon", 3, "Champlan"), ("Famille Laurent", 2, "Villejust")]

#: The household the simulated scale of `zw run` weighs for: its own, named as the scale's, so
#: that the scale never publishes onto the family one signs in as (a weigh-in every few
#: minutes took the demo family from +174 % to +767 % in 7 minutes).
DEMO_SCALE_HOUSEHOLD = ("Foyer de la balance de démo", 3, "Orsay")

#: Tips of the demo edition; their tags name the bins (tracker/services/bin_tips.py), so the
#: first screen of /progres gives the staff's tip for the bin that changed most.
DEMO_TIPS = [
    ("Composter en appartement", "Un lombricomposteur tient sous l'évier et ne sent pas.",
     "compost, cuisine, ordures"),
    ("Faire ses courses en vrac", "Des bocaux, des sacs en tissu, et la liste avant de partir.",
     "courses, emballages"),
    ("Le stop-pub sur la boîte aux lettres", "Jusqu'à 30 kg de papier en moins par an.",
     "papier, emballages"),
    ("Les bouteilles consignées", "Le caviste et deux épiceries du territoire les reprennent.",
     "verre, consigne"),
    ("Réparer plutôt que jeter", "Les repair cafés du territoire, une fois par mois.",
     "réemploi"),
]

# Grams per person per week in the reference month, for each bin (close to French averages).
BASE_G = {Stream.RESIDUAL: 3800, Stream.PACKAGING: 1100, Stream.GLASS: 600,
          Stream.BIOWASTE: 1300}
# Days of the week each bin goes out (0 = Monday); glass every other week.
SCHEDULE = {Stream.RESIDUAL: (1, 4), Stream.PACKAGING: (0,), Stream.GLASS: (5,),
            Stream.BIOWASTE: (2, 6)}


def seed_demo(session: Session, today: dt.date | None = None, seed: int = 7) -> dict:
    """Create the demo edition (started two months ago) with accounts and weigh-ins until now."""
    rng = random.Random(seed)
    now = clock.now()
    today = today or now.date()
    start = add_months(today.replace(day=1), -2)
    edition = services.create_edition(session, slug=DEMO_SLUG, name="Défi zéro déchet (démo)",
                                      start=start)
    zone = ZoneInfo(edition.timezone)
    for index, (name, persons, commune) in enumerate([*HOUSEHOLDS, DEMO_SCALE_HOUSEHOLD]):
        household = services.create_household(session, edition, name=name, persons=persons,
                                              commune=commune)
        effort = rng.uniform(0.05, 0.4)  # how much this household cuts by the end
        if index == 0:
            effort = 0.35  # the demo family (the first sign-in) is doing well
        silent_after = start + dt.timedelta(days=40) if index == 9 else None
        day = start
        while day < today:
            if silent_after and day > silent_after:
                break
            months_in = (day - start).days / 30.4
            factor = 1 - effort * min(1.0, max(0.0, months_in - 1) / 2)
            week = (day - start).days // 7
            for stream, weekdays in SCHEDULE.items():
                if (day.weekday() + index) % 7 not in weekdays:
                    continue
                if stream == Stream.GLASS and week % 2:
                    continue
                per_visit = BASE_G[stream] * persons * factor / len(weekdays)
                if stream == Stream.GLASS:
                    per_visit *= 2
                grams = int(max(50, rng.gauss(per_visit, per_visit * 0.15)))
                at = dt.datetime.combine(day, dt.time(rng.randint(7, 21), rng.randint(0, 59)),
                                         zone)
                services.record_weighin(session, household, stream=stream,
                                        weight_g=min(grams, 14_000), measured_at=at,
                                        source=rng.choice([Source.WEB, Source.WEB, Source.API]),
                                        check_median=False, flush=False, now=now)
            day += dt.timedelta(days=1)
        if index == 0:
            services.create_account(session, email=DEMO_FAMILY_EMAIL, password=DEMO_PASSWORD,
                                    household=household, display_name="Claire Martin")
    services.create_account(session, email=DEMO_STAFF_EMAIL, password=DEMO_PASSWORD,
                            role=Role.STAFF, display_name="Équipe du SIOM")
    session.flush()
    seed_life(session, edition, now)
    return {"edition": edition.slug, "family": DEMO_FAMILY_EMAIL, "staff": DEMO_STAFF_EMAIL,
            "password": DEMO_PASSWORD}


def seed_life(session: Session, edition, now: dt.datetime) -> list[Household]:
    """Open sign-up; add workshops, news, tips and two teams to an edition (for a demo)."""
    from tracker.services import events as event_service
    from tracker.services import news, teams
    from tracker.services.preferences import edition_settings

    settings = edition_settings(session, edition)
    settings.enrolment_open = settings.teams_enabled = True
    settings.description = "Huit mois pour réduire nos déchets, accompagnés par le syndicat."
    zone = ZoneInfo(edition.timezone)
    day = now.astimezone(zone).date()
    for days, title, place, url, capacity in (
            (1, "Atelier lombricompostage", "Maison de l'environnement", "", 2),
            (6, "Réunion en ligne : bilan du mois", "", "https://visio.example.org/defi", None),
            (13, "Atelier produits ménagers maison", "Médiathèque", "", 12)):
        start = dt.datetime.combine(day + dt.timedelta(days=days), dt.time(18, 30), zone)
        event_service.create_event(session, edition, None, title=title, place=place,
                                   meeting_url=url, capacity=capacity, starts_at=start,
                                   ends_at=start + dt.timedelta(hours=1, minutes=30),
                                   description="Gratuit, pour les foyers du défi.")
    news.save_post(session, None, None, kind=PostKind.NEWS, edition_id=edition.id,
                   title="Bienvenue dans le défi !",
                   body="Pesez chaque poubelle avant de la sortir : quelques secondes suffisent.")
    for title, body, tags in DEMO_TIPS:
        news.save_post(session, None, None, kind=PostKind.TIP, title=title, body=body, tags=tags)
    households = session.scalars(select(Household).where(Household.edition_id == edition.id)
                                 .order_by(Household.id)).all()
    squads = [teams.create_team(session, edition, name) for name in ("Les Colibris",
                                                                     "Les Hérissons")]
    for index, household in enumerate(households):
        teams.assign(session, household, squads[index % 2])
    return households
