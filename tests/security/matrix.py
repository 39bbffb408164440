"""The access matrix: every route of the app called as one role, each answer judged.

The routes come from `app.url_map` (pages added later are covered without touching this file);
what each route allows comes from `tests/security/routes.py`. A call that must be refused must
also leave the database exactly as it was (checked for unsafe methods: POST, PUT, PATCH,
DELETE).
"""
from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from werkzeug.routing.converters import AnyConverter

from tests.conftest import PASSWORD, _csrf_from, sign_in
from tests.security.helpers import changed_tables, snapshot
from tests.security.routes import ARGS, ROUTES
from tracker import services
from tracker.models import Account, Household
from tracker.services import coverage
from tracker.services import devices as device_service
from tracker.services import enrolment as enrolment_service
from tracker.services import events as event_service
from tracker.services import news, talk, teams
from tracker.services.mail import queue_mail
from tracker.services.preferences import edition_settings

ROLES = ("anonymous", "martin", "durand", "staff")
EMAILS = {"martin": "martin@example.org", "durand": "durand@example.org",
          "staff": "staff@example.org"}
SAFE = ("GET", "HEAD", "OPTIONS")
SIGN_IN_PATH = "/connexion"
STAFF_HOME = "/equipe/"


def unclassified(app) -> list[str]:
    """Endpoints of the app that the table does not classify."""
    return sorted({r.endpoint for r in app.url_map.iter_rules()} - set(ROUTES))


class Context:
    """The seeded world of the matrix: two households with objects each, staff, API tokens."""

    def __init__(self, app, world):
        self.app, self.world = app, world
        self.households = [world["martin"], world["durand"]]
        self.edition_slug = "defi-2026"
        self.tokens: dict[str, str] = {}
        self.objects: dict = {"weighin": {}, "absence": {}}
        with self._session() as s:
            edition = s.get(Household, world["martin"]).edition
            settings = edition_settings(s, edition)
            settings.enrolment_open = settings.teams_enabled = True  # their pages are shown
            settings.report_published_at = dt.datetime(2026, 4, 1, tzinfo=dt.timezone.utc)
            for role, email in EMAILS.items():
                account = s.query(Account).filter_by(email=email).one()
                self.tokens[role] = services.issue_api_token(s, account)
        for household in self.households:
            self.objects["weighin"][household] = self.make("weighin", household)
            self.objects["absence"][household] = self.make("absence", household)
        with self._session() as s:  # a doubtful reading: the review form is shown to staff
            services.record_weighin(s, s.get(Household, world["durand"]), stream="residual",
                                    weight_g=40000, source="web",
                                    measured_at=dt.datetime(2026, 4, 11, 8, 0,
                                                            tzinfo=dt.timezone.utc))
        for kind in ("mail", "enrolment", "event", "post", "device", "question",
                     "question_elsewhere", "talk_message", "team"):
            self.objects[kind] = self.make(kind)

    def _session(self):
        return self.app.extensions["zw_db"].session()

    def household_of(self, role):
        return self.world.get(role) if role in ("martin", "durand") else None

    def other_household_of(self, role):
        return {"martin": self.world["durand"], "durand": self.world["martin"]}.get(role)

    def make(self, kind: str, household_id: int | None = None, role: str | None = None) -> int:
        """A new object of a kind (fresh ones for calls that may change or delete them)."""
        with self._session() as s:
            if kind == "api_token":
                account = s.query(Account).filter_by(email=EMAILS[role]).one()
                services.issue_api_token(s, account, "matrix")
                return max(t.id for t in services.accounts.api_tokens(s, account))
            if kind == "weighin":
                household = s.get(Household, household_id)
                when = dt.datetime(2026, 4, 10, 8, 0, tzinfo=dt.timezone.utc)
                obj = services.record_weighin(s, household, stream="residual", weight_g=1000,
                                              measured_at=when, source="web")
            elif kind == "absence":
                obj = coverage.declare_absence(s, s.get(Household, household_id),
                                               date_from=dt.date(2026, 4, 13),
                                               date_to=dt.date(2026, 4, 14))
            elif kind == "mail":
                obj = queue_mail(s, to="martin@example.org", subject="Bonjour", body="Texte")
            elif kind == "enrolment":
                edition = s.get(Household, self.world["martin"]).edition
                n = len(self.objects.get("enrolments_made", ())) + 1
                self.objects.setdefault("enrolments_made", []).append(n)
                obj = enrolment_service.submit_enrolment(
                    s, edition, household_name=f"Foyer {n}", persons=2, commune="Orsay",
                    email=f"inscrit{n}@example.org", consent=True).enrolment
            elif kind == "event":
                edition = s.get(Household, self.world["martin"]).edition
                start = dt.datetime(2026, 5, 20, 16, 0, tzinfo=dt.timezone.utc)
                obj = event_service.create_event(s, edition, None, title="Atelier compost",
                                                 starts_at=start,
                                                 ends_at=start + dt.timedelta(hours=2),
                                                 capacity=10)
            elif kind == "post":
                obj = news.save_post(s, None, None, kind="news", title="Nouvelles")
            elif kind == "team":
                edition = s.get(Household, self.world["martin"]).edition
                n = len(self.objects.get("teams_made", ())) + 1
                self.objects.setdefault("teams_made", []).append(n)
                obj = teams.create_team(s, edition, f"Équipe {n}")
            elif kind == "device":
                obj, _secret = device_service.provision_device(
                    s, s.get(Household, self.world["martin"]))
            elif kind in ("question", "talk_message"):
                martin = s.query(Account).filter_by(email=EMAILS["martin"]).one()
                obj, _notices = talk.ask(s, martin, title="Compost en appartement ?", body="")
                if kind == "talk_message":
                    obj, _notices = talk.answer(s, martin, obj, "Précision")
            elif kind == "question_elsewhere":  # a household of another edition asks
                edition = services.create_edition(s, slug="defi-autre", name="Autre défi",
                                                  start=dt.date(2026, 3, 1))
                household = services.create_household(s, edition, name="Ailleurs", persons=2,
                                                      commune="Palaiseau")
                account = services.create_account(s, email="ailleurs@example.org",
                                                   password=PASSWORD, household=household)
                obj, _notices = talk.ask(s, account, title="Question d'ailleurs", body="")
            else:
                raise AssertionError(f"no maker for {kind}: add one to Context.make")
            s.flush()
            return obj.id


@dataclass
class Outcome:
    problems: list[str] = field(default_factory=list)
    pages: list[tuple[str, str]] = field(default_factory=list)  # (path, html) rendered with 200
    calls: int = 0
    client: object = None  # the role's page client (signed in, or not for anonymous)


@dataclass(frozen=True)
class Expect:
    denied: bool
    statuses: frozenset | None = None  # None: anything but 401/403/404 and 5xx
    location: str | None = None  # path a redirect must point to


def expectation(route, role: str, method: str, whose: str | None) -> Expect:
    """What `role` must get from `method` on a route of this kind."""
    kind, anonymous, staff = route.kind, role == "anonymous", role == "staff"
    fixed = route.expect.get(method) or route.expect.get("*")
    if kind == "static":
        return Expect(False, frozenset({200}))
    if kind in ("public", "api_public"):
        if fixed:
            return Expect(False, frozenset(fixed))
        return Expect(False, frozenset({200, 302}) if method == "GET" else None)
    if anonymous:
        return Expect(True, frozenset({401}) if kind.startswith("api_") else frozenset({302}),
                      None if kind.startswith("api_") else SIGN_IN_PATH)
    if kind == "staff" and not staff:
        return Expect(True, frozenset({403}))
    if kind == "family" and staff:
        return Expect(True, frozenset({302, 403}), STAFF_HOME)
    if kind == "api_family" and staff:
        return Expect(True, frozenset({403}))
    if whose == "other" and kind in ("family", "api_family", "signed_in"):
        return Expect(True, frozenset({404}))
    allowed = route.ok.get(method) or ({200} if method == "GET" else None)
    return Expect(False, frozenset(allowed) if allowed else None)


def _arg_values(app, rule, ctx, role, fresh):
    """Every combination of argument values for a rule: [(values, whose)]."""
    choices = []
    for name in sorted(rule.arguments):
        converter = rule._converters.get(name)
        if isinstance(converter, AnyConverter):
            choices.append([(name, v, None) for v in sorted(converter.items)])
            continue
        provider = ARGS.get(name)
        assert provider is not None, (
            f"{rule.rule}: no values for the argument <{name}>; add a provider to ARGS in "
            f"tests/security/routes.py")
        choices.append([(name, v, whose) for v, whose in provider(ctx, role, fresh)])
    for combo in itertools.product(*choices):
        values = {name: v for name, v, _ in combo}
        owners = {w for _, _, w in combo if w}
        yield values, ("other" if "other" in owners else "own" if owners else None)


def _plan(app, ctx):
    """(route, rule, method) triples: safe methods first, then unsafe ones, `last` routes last."""
    plan = []
    for rule in app.url_map.iter_rules():
        route = ROUTES[rule.endpoint]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            plan.append(((route.last, method not in SAFE), route, rule, method))
    plan.sort(key=lambda item: item[0])
    return [(route, rule, method) for _, route, rule, method in plan]


def run(app, ctx: Context, role: str, safe_only: bool = False) -> Outcome:
    """Call every route of the app as `role`; the problems found and the pages seen."""
    pages = app.test_client()
    outcome = Outcome(client=pages)
    if role != "anonymous":
        assert sign_in(pages, EMAILS[role], PASSWORD).status_code == 302
    token = _csrf_from(pages.get(SIGN_IN_PATH).get_data(as_text=True))
    api = app.test_client()  # no cookie: the bearer token alone says who calls
    api_headers = {"Authorization": f"Bearer {ctx.tokens[role]}"} if role in ctx.tokens else {}
    for route, rule, method in _plan(app, ctx):
        unsafe = method not in SAFE
        if unsafe and safe_only:
            continue
        for values, whose in _arg_values(app, rule, ctx, role, fresh=unsafe):
            path = rule.build(values)[1]
            expect = expectation(route, role, method, whose)
            before = snapshot(app) if expect.denied and unsafe else None
            body = route.data.get(method) or route.data.get("*") or {}
            if route.kind.startswith("api_"):
                if rule.endpoint == "account.token":
                    body = {**body, "email": EMAILS.get(role, "nobody@example.org")}
                response = api.open(path, method=method, headers=api_headers,
                                    json=body if unsafe else None)
            else:
                response = pages.open(path, method=method,
                                      data={"csrf_token": token, **body} if unsafe else None)
            outcome.calls += 1
            where = f"{role} {method} {path} ({rule.endpoint}{', ' + whose if whose else ''})"
            outcome.problems += _judge(expect, route, response, where)
            if before is not None:
                changed = changed_tables(before, snapshot(app))
                if changed:
                    outcome.problems.append(f"{where}: refused but changed {changed}")
            if (method == "GET" and response.status_code == 200
                    and response.mimetype == "text/html"):
                outcome.pages.append((path, response.get_data(as_text=True)))
    return outcome


def _judge(expect: Expect, route, response, where: str) -> list[str]:
    status = response.status_code
    problems = []
    if status >= 500:
        return [f"{where}: server error {status}"]
    if expect.statuses is not None and status not in expect.statuses:
        problems.append(f"{where}: {status}, expected {sorted(expect.statuses)}")
    elif expect.statuses is None and status in (401, 403, 404):
        problems.append(f"{where}: {status}, expected the call to be allowed")
    if status in (301, 302, 303, 307, 308) and expect.location:
        target = urlsplit(response.headers.get("Location", "")).path
        if target != expect.location:
            problems.append(f"{where}: redirected to {target}, expected {expect.location}")
    if route.kind.startswith("api_") and status >= 400:
        if response.mimetype != "application/json":
            problems.append(f"{where}: API error as {response.mimetype}, expected JSON")
        if status == 401 and "Bearer" not in response.headers.get("WWW-Authenticate", ""):
            problems.append(f"{where}: 401 without a WWW-Authenticate: Bearer challenge")
    return problems
