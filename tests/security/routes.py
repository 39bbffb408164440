"""Who may call what: the one classification table of every route of the app.

Every endpoint of `app.url_map` must appear in ROUTES (the access matrix fails on a new route
that is not classified here), and every URL argument needs a way to make values in ARGS.

Kinds:
- `public`: anyone (sign-in, sign-up, links); never 401/403 and never a server error.
- `signed_in`: any account (family or staff); anonymous visitors go to /connexion.
- `family`: accounts of a household; anonymous → /connexion, staff → 403 or their index,
  another household's object → 404.
- `staff`: staff and admins; anonymous → /connexion, families → 403.
- `api_public`, `api_signed_in`, `api_family`: the same for the REST API, where anonymous is
  401 (JSON, never a redirect) and staff get 403 on the weigh-in endpoints.
- `static`: files under /static.
"""
from __future__ import annotations

from dataclasses import dataclass, field

KINDS = ("public", "signed_in", "family", "staff", "api_public", "api_signed_in", "api_family",
         "static")

WEIGHIN_FORM = {"stream": "residual", "weight_kg": "1,2"}
WEIGHIN_JSON = {"stream": "residual", "weight_kg": "1,2"}
ABSENCE_FORM = {"date_from": "2026-04-20", "date_to": "2026-04-24"}
TALK_FORM = {"body": "Merci pour la réponse."}


@dataclass(frozen=True)
class Route:
    kind: str
    #: Statuses every role gets, by method or "*" (a route whose answer does not depend on who
    #: asks, e.g. an unknown link is 410 for everyone).
    expect: dict = field(default_factory=dict)
    #: Statuses the allowed role gets, by method (default: GET 200; unsafe: no 401/403/404/5xx).
    ok: dict = field(default_factory=dict)
    #: Form fields (pages) or JSON body (API) sent with unsafe methods, by method or "*".
    data: dict = field(default_factory=dict)
    #: Called after every other route of the role (signing out ends the role's session).
    last: bool = False

    def __post_init__(self):
        assert self.kind in KINDS, self.kind


ROUTES: dict[str, Route] = {
    # --- public pages
    "family.home": Route("public", expect={"GET": {302}}),
    "auth.sign_in": Route("public", expect={"POST": {400}}),  # empty form: 400
    "auth.sign_out": Route("public", last=True, expect={"POST": {302}}),
    "public_links.request_link": Route("public"),
    "public_links.use_link": Route("public", expect={"*": {410}}),  # an unknown link
    "public_enrolment.choose": Route("public"),
    "public_enrolment.sign_up": Route("public", expect={"GET": {200}, "POST": {422}}),
    "public_enrolment.thanks": Route("public", expect={"GET": {200}}),
    "public_calendar.household_feed": Route("public", expect={"GET": {404}}),  # an unknown token
    "public_calendar.edition_feed": Route("public", expect={"GET": {200}}),
    "public_reports.cohort": Route("public", expect={"GET": {200}}),  # published (seed)
    "password_reset.request_reset": Route("public"),
    "password_reset.new_password": Route("public", expect={"*": {410}}),  # an unknown link
    "static": Route("static"),
    "public_health.healthz": Route("static"),  # 200 "ok" for everyone, no database
    "charts.plotly_js": Route("static"),
    "public_pwa.service_worker": Route("static"),
    "public_pwa.manifest": Route("static"),
    # --- any signed-in account
    "my_account.password": Route("signed_in", ok={"POST": {422}}),
    "family_news.index": Route("signed_in"),
    "family_news.tips": Route("signed_in"),
    "my_account.index": Route("signed_in"),
    # A thread of the family's own edition, or any for staff; another edition's: 404.
    "talk.thread": Route("signed_in", data={"POST": TALK_FORM}, ok={"POST": {302}}),
    "talk.post_comments": Route("signed_in", data={"POST": TALK_FORM}, ok={"POST": {302}}),
    "my_account.revoke_token": Route("signed_in", ok={"POST": {302}}),  # another's token: 404
    "my_account.sign_out_everywhere": Route("signed_in", last=True, ok={"POST": {302}}),
    # --- families
    "family.weigh": Route("family", data={"POST": WEIGHIN_FORM}, ok={"POST": {302}}),
    "family.history": Route("family"),
    "family.progress": Route("family"),
    "family.correct": Route("family", data={"POST": {**WEIGHIN_FORM, "weight_kg": "1,3"}},
                            ok={"POST": {302}}),
    "family.delete": Route("family", ok={"POST": {302}}),
    "family_absences.index": Route("family", data={"POST": ABSENCE_FORM}, ok={"POST": {302}}),
    "family_absences.delete": Route("family", ok={"POST": {302}}),
    "family_members.index": Route("family"),
    "family_members.invite": Route("family", ok={"POST": {422}}),  # no address: refused
    "family_members.reminders": Route("family", ok={"POST": {302}}),
    "family_privacy.my_data": Route("family"),
    "family_privacy.my_data_download": Route("family"),
    "family_privacy.request_erasure": Route("family", ok={"POST": {302}}),
    "family_events.index": Route("family"),
    "family_events.sign_up": Route("family", ok={"POST": {302}}),
    "family_events.cancel": Route("family", ok={"POST": {302}}),
    "family_events.renew_feed": Route("family", ok={"POST": {302}}),
    "family_teams.leaderboard": Route("family"),
    "family_reports.household": Route("family"),
    "family_teams.visibility": Route("family", ok={"POST": {302}}),
    "family_teams.leaderboard_moved": Route("family", ok={"GET": {301}}),  # /equipes, before 15
    "news_mail.choose": Route("family", data={"POST": {"news_mail": "post"}}, ok={"POST": {302}}),
    "talk.index": Route("family", data={"POST": {"title": "Où jeter les pots de yaourt ?"}},
                        ok={"POST": {302}}),
    "talk.mail_choice": Route("family", data={"POST": {"mail": "digest"}}, ok={"POST": {302}}),
    # --- staff
    "staff.index": Route("staff"),
    "staff_outbox.index": Route("staff"),
    "staff_outbox.show": Route("staff"),
    "staff_outbox.deliver": Route("staff", ok={"POST": {302}}),
    "staff_editions.index": Route("staff"),
    "staff_editions.create": Route("staff", ok={"POST": {422}}),
    "staff_editions.edit": Route("staff"),
    "staff_households.index": Route("staff"),
    "staff_households.show": Route("staff"),
    "staff_households.invite_households": Route("staff", ok={"POST": {302}}),
    "staff_households.invite": Route("staff", ok={"POST": {422}}),  # no address: refused
    "staff_households.reminders": Route("staff", ok={"POST": {302}}),
    "staff_households.export": Route("staff"),
    "staff_households.erase": Route("staff", ok={"POST": {302}}),  # name not typed: refused
    "staff_journal.index": Route("staff"),
    "staff_enrolment.index": Route("staff"),
    "staff_enrolment.approve": Route("staff", ok={"POST": {302}}),
    "staff_enrolment.decline": Route("staff", ok={"POST": {302}}),
    "staff_events.index": Route("staff"),
    "staff_events.edit": Route("staff", ok={"POST": {422}}),
    "staff_events.delete": Route("staff", ok={"POST": {302}}),
    "staff_news.index": Route("staff"),
    "staff_teams.index": Route("staff"),
    "staff_teams.create": Route("staff", data={"POST": {"name": "Les Colibris"}},
                                ok={"POST": {302}}),
    "staff_teams.assign": Route("staff", ok={"POST": {302}}),
    "staff_teams.delete": Route("staff", ok={"POST": {302}}),
    "staff_reports.cohort": Route("staff"),
    "staff_reports.publish": Route("staff", ok={"POST": {302}}),
    "staff_reports.withdraw": Route("staff", ok={"POST": {302}}),
    "staff_reports.household": Route("staff"),
    "staff_news.edit": Route("staff", ok={"POST": {422}}),
    "staff_news.delete": Route("staff", ok={"POST": {302}}),
    "staff_cohort.overview": Route("staff"),
    "staff_cohort.household": Route("staff"),
    "staff_cohort.export": Route("staff"),
    "staff_cohort.export_excel": Route("staff"),
    "staff_cohort.weighins_excel": Route("staff"),
    "staff_compare.index": Route("staff"),
    "staff_coverage.declare": Route("staff", data={"POST": ABSENCE_FORM}, ok={"POST": {302}}),
    "staff_coverage.withdraw": Route("staff", ok={"POST": {302}}),
    "staff_coverage.accept": Route("staff", data={"POST": {"month": "1", "reason": "Essai"}},
                                   ok={"POST": {302}}),
    "staff_household_admin.import_check": Route("staff", ok={"POST": {422}}),  # no file: refused
    "staff_household_admin.import_confirm": Route("staff", ok={"POST": {422}}),
    "staff_household_admin.size": Route("staff", data={"POST": {"persons": "4",
                                                           "valid_from": "2026-04-01"}},
                                   ok={"POST": {302}}),
    "staff_weighins.add": Route("staff", data={"POST": WEIGHIN_FORM}, ok={"POST": {302}}),
    "staff_weighins.correct": Route("staff", data={"POST": {**WEIGHIN_FORM, "weight_kg": "1,3"}},
                                    ok={"POST": {302}}),
    "staff_mail.remind": Route("staff", ok={"POST": {302}}),
    "staff_mail.message": Route("staff", ok={"POST": {422}}),  # empty form: refused
    "staff_news_mail.send": Route("staff", ok={"POST": {302}}),
    "staff_devices.index": Route("staff"),
    "staff_devices.revoke": Route("staff", ok={"POST": {302}}),
    "staff_devices.pair_form": Route("staff"),
    # Without the form's one-time token: nothing paired, back to the list.
    "staff_devices.pair": Route("staff", ok={"POST": {302}}),
    "staff_quality.index": Route("staff"),
    "staff_talk.index": Route("staff"),
    "staff_talk.hide_question": Route("staff", data={"POST": {"reason": "Hors sujet"}},
                                      ok={"POST": {302}}),
    "staff_talk.hide_message": Route("staff", data={"POST": {"reason": "Hors sujet"}},
                                     ok={"POST": {302}}),
    "staff_talk.show_question": Route("staff", ok={"POST": {302}}),
    "staff_talk.show_message": Route("staff", ok={"POST": {302}}),
    "staff_quality.review": Route("staff", data={"POST": {"decision": "accepted"}},
                                  ok={"POST": {302}}),
    # Addresses before the one tree per edition (issue 15): 301 to the new ones, staff only.
    "staff_moved.editions": Route("staff", ok={"GET": {301}}),
    "staff_moved.new_edition": Route("staff", ok={"GET": {301}}),
    "staff_moved.edition": Route("staff", ok={"GET": {301}}),
    "staff_moved.edition_page": Route("staff", ok={"GET": {301}}),
    "staff_moved.household": Route("staff", ok={"GET": {301}}),
    "staff_moved.household_report": Route("staff", ok={"GET": {301}}),
    "staff_moved.household_export": Route("staff", ok={"GET": {301}}),
    # --- REST API
    "api-docs.openapi_json": Route("api_public", expect={"GET": {200}}),
    "account.token": Route("api_public", expect={"POST": {401}},  # a wrong password
                           data={"POST": {"password": "not-the-password"}}),
    "account.me": Route("api_signed_in"),
    "weighins.WeighIns": Route("api_family", data={"POST": WEIGHIN_JSON},
                               ok={"GET": {200}, "POST": {201}}),
    "weighins.WeighInById": Route("api_family",
                                  data={"PUT": WEIGHIN_JSON, "PATCH": {"weight_kg": "1,4"}},
                                  ok={"PUT": {200}, "PATCH": {200}, "DELETE": {204}}),
    "absences_api.Absences": Route("api_family", data={"POST": ABSENCE_FORM},
                                   ok={"GET": {200}, "POST": {201}}),
    "absences_api.AbsenceById": Route("api_family", ok={"DELETE": {204}}),
}


# --- URL arguments: how to make values. A provider gets the matrix context, the role and
# whether the call may change the object (then it gets a fresh one of its own), and returns
# (value, whose) pairs: whose is "own", "other" (another household's) or None.

def _owned(kind):
    def provide(ctx, role, fresh):
        own, other = ctx.household_of(role), ctx.other_household_of(role)
        pairs = []
        if own is not None:
            pairs.append((ctx.make(kind, own) if fresh else ctx.objects[kind][own], "own"))
            pairs.append((ctx.objects[kind][other], "other"))
        else:  # anonymous and staff: both households' objects
            pairs += [(ctx.objects[kind][h], None) for h in ctx.households]
        return pairs
    return provide


def _households(ctx, role, fresh):
    own = ctx.household_of(role)
    return [(h, None if own is None else ("own" if h == own else "other"))
            for h in ctx.households]


def _api_tokens(ctx, role, fresh):
    """A new API token of the role's account, and one of another account's."""
    if role == "anonymous":
        return [(ctx.make("api_token", role="martin"), None)]
    other = "durand" if role != "durand" else "martin"
    return [(ctx.make("api_token", role=role), "own"), (ctx.make("api_token", role=other), "other")]


def _fresh_or_seeded(kind):
    def provide(ctx, role, fresh):
        return [(ctx.make(kind) if fresh else ctx.objects[kind], None)]
    return provide


def _questions(ctx, role, fresh):
    """A question of the edition of Martin and Durand ("own" for them), and one of another
    edition ("other": a family never reads another edition's threads)."""
    own = ctx.make("question") if fresh else ctx.objects["question"]
    other = ctx.objects["question_elsewhere"]
    if ctx.household_of(role) is None:
        return [(own, None), (other, None)]
    return [(own, "own"), (other, "other")]


ARGS = {
    "question_id": _questions,
    "message_id": _fresh_or_seeded("talk_message"),
    "weighin_id": _owned("weighin"),
    "absence_id": _owned("absence"),
    "household_id": _households,
    "mail_id": _fresh_or_seeded("mail"),
    "enrolment_id": _fresh_or_seeded("enrolment"),
    "event_id": _fresh_or_seeded("event"),
    "post_id": _fresh_or_seeded("post"),
    "team_id": _fresh_or_seeded("team"),
    "device_id": _fresh_or_seeded("device"),
    "token_id": _api_tokens,
    "slug": lambda ctx, role, fresh: [(ctx.edition_slug, None)],
    "token": lambda ctx, role, fresh: [("zwl-not-a-real-link-0123456789abcdef", None)],
    "filename": lambda ctx, role, fresh: [("css/app.css", None)],
    # <any(...)> arguments (kind of a download) get every allowed value from the rule itself.
}
