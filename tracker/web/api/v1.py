"""REST API v1 (flask-smorest): the signed-in household's weigh-ins, the account, API tokens.

Authentication, for every endpoint but `POST /api/v1/token`:
- `Authorization: Bearer zw_...`, a token from `POST /api/v1/token` (scripts, apps); or
- the session cookie of the web pages; then unsafe methods (POST, PUT, PATCH, DELETE) must
  carry the CSRF token in an `X-CSRFToken` header (the pages' `csrf_token()`).
Without either: 401 JSON, never a redirect. Staff accounts have no household: the weigh-in
endpoints answer them 403. Arguments and answers use the schemas of `tracker.schemas`, the
same ones as the web form and the CSV import; field errors come back as 422
`{"code": 422, "status": "Unprocessable Entity", "errors": {"json": {"field": ["..."]}}}`.
"""
from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import abort, g, request
from flask.views import MethodView
from flask_login import current_user
from marshmallow import Schema, fields, validate
from sqlalchemy import func, select

from tracker import clock, services
from tracker.domain import Source
from tracker.extensions import csrf, db
from tracker.models import WeighIn
from tracker.schemas import WeighInInputSchema, WeighInPatchSchema, WeighInSchema, localize
from tracker.services.offline import record_once  # offline queue: each entry once (issue 6)
from tracker.web.common.auth import bearer_account
from tracker.web.common.jsonbody import ApiBlueprint as Blueprint  # bodies read by jsonbody.loads
from tracker.web.public.offline import WeighInCreateSchema

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
SECURITY = [{"bearerAuth": []}, {"cookieAuth": []}]

API_DESCRIPTION = """\
Weigh-ins and absences of the signed-in household.

**Authentication.** Either a bearer token, `Authorization: Bearer zw_...`, obtained once from
`POST /api/v1/token` with the account's email and password (each call adds a token, with an
optional `name`; it is shown only once, keep it secret; the account page lists the tokens and
revokes them one by one, a password change revokes them all; beyond 10 tokens the least recently
used is revoked), or the session cookie of the web pages, in which
case `POST`, `PUT`, `PATCH` and `DELETE` need the page's CSRF token in an `X-CSRFToken` header.
An unauthenticated request gets `401`. Staff accounts have no household: the weigh-in and
absence endpoints answer them `403`.

**Absences** (`/api/v1/absences`): dates when the whole household is away, both included
(`"date_from": "2026-04-20", "date_to": "2026-04-24"`, or `DD/MM/YYYY`); those days count no
person-days, and a week at least half away counts as weighed.

**Weights** are sent in kilograms (`"1.25"`, `"1,25"` or `1.25`) in `weight_kg` and stored as
integer grams (`weight_g`). **Times** are ISO 8601; without an offset they are the edition's
local time (Europe/Paris); omitted on creation, they mean now.

**Errors** are JSON: `{"code": 422, "status": "Unprocessable Entity",
"errors": {"json": {"weight_kg": ["..."]}}}`; another household's weigh-in is `404`; a
body that is not readable JSON (also: a number of more than 64 digits, `NaN`, arrays or
objects nested more than 32 deep) is `400` with the reason, a body over 1 MiB `413`.
Messages are in French unless `?lang=en` is given.
"""

weighins_blp = Blueprint("weighins", __name__, url_prefix="/api/v1/weighins",
                         description="The signed-in household's weigh-ins.")
account_blp = Blueprint("account", __name__, url_prefix="/api/v1",
                        description="The signed-in account, and API tokens.")


class TokenRequestSchema(Schema):
    email = fields.String(required=True)
    password = fields.String(required=True, load_only=True)
    name = fields.String(load_default="", validate=validate.Length(max=100), metadata={
        "description": "what the token is for (shown on the account page)"})


class TokenSchema(Schema):
    token = fields.String(metadata={"description": "shown once; send it as "
                                                   "`Authorization: Bearer <token>`"})
    token_type = fields.String(dump_default="Bearer")


class HouseholdSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    commune = fields.String()
    persons = fields.Method("_persons")
    edition = fields.Function(lambda h: h.edition.slug)
    streams = fields.Function(lambda h: list(h.edition.streams))

    def _persons(self, household):
        zone = ZoneInfo(household.edition.timezone)
        return household.persons_on(clock.now().astimezone(zone).date())


class MeSchema(Schema):
    id = fields.Integer()
    email = fields.String()
    display_name = fields.String()
    role = fields.String()
    household = fields.Nested(HouseholdSchema, allow_none=True)


def api_caller():
    """The account of the request's bearer token, else of its session, else None.

    Looked up once per request: the rate limiter asks first (a caller with valid credentials is
    never held by the limit on refused calls), then `_authenticate`."""
    if "api_caller" not in g:
        header = request.headers.get("Authorization", "")
        if header[:7].lower() == "bearer ":
            g.api_caller = bearer_account(header)
        elif current_user.is_authenticated:
            g.api_caller = current_user._get_current_object()
        else:
            g.api_caller = None
    return g.api_caller


def _authenticate():
    """Bearer token, else the session cookie (with CSRF on unsafe methods), else 401."""
    if request.endpoint == "account.token":
        return
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        account = api_caller()
        if account is None:
            abort(401, description="Invalid or revoked API token.")
        g.api_account = account
        return
    if current_user.is_authenticated:
        if request.method not in SAFE_METHODS:
            csrf.protect()
        g.api_account = current_user._get_current_object()
        return
    abort(401, description="Authentication required: a bearer token or a session.")


def _challenge_header(response):
    if response.status_code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="zw"'
    return response


for _blp in (weighins_blp, account_blp):
    _blp.before_request(_authenticate)
    _blp.after_request(_challenge_header)


def _household():
    household = g.api_account.household
    if household is None:
        abort(403, description="This account has no household (staff accounts use the staff "
                               "pages).")
    return household


def _localized(values: dict, household) -> dict:
    if values.get("measured_at") is not None:
        values["measured_at"] = localize(values["measured_at"], household.edition.timezone)
    return values


@weighins_blp.route("")
class WeighIns(MethodView):
    @weighins_blp.doc(security=SECURITY)
    @weighins_blp.response(200, WeighInSchema(many=True))
    @weighins_blp.paginate()
    def get(self, pagination_parameters):
        """List the household's weigh-ins, newest first (X-Pagination header)."""
        household = _household()
        pagination_parameters.item_count = db().scalar(
            select(func.count(WeighIn.id)).where(WeighIn.household_id == household.id))
        return services.list_weighins(db(), household, limit=pagination_parameters.page_size,
                                      offset=pagination_parameters.first_item)

    @weighins_blp.doc(security=SECURITY)
    @weighins_blp.arguments(WeighInCreateSchema())
    @weighins_blp.response(201, WeighInSchema)
    @weighins_blp.alt_response(200, schema=WeighInSchema,
                               description="This client_uuid was stored already: the stored "
                                           "weigh-in, nothing added.")
    def post(self, values):
        """Record a weigh-in (`measured_at` omitted: now); a known `client_uuid` adds nothing."""
        household = _household()
        values = _localized(values, household)
        if values.get("measured_at") is None:
            values["measured_at"] = clock.now()
        weighin, created = record_once(db(), household, source=Source.API, **values)
        db().commit()
        return weighin if created else (weighin, 200)


@weighins_blp.route("/<int:weighin_id>")
class WeighInById(MethodView):
    @weighins_blp.doc(security=SECURITY)
    @weighins_blp.response(200, WeighInSchema)
    def get(self, weighin_id):
        """One weigh-in of the household (404 for another household's)."""
        return services.get_weighin(db(), _household(), weighin_id)

    @weighins_blp.doc(security=SECURITY)
    @weighins_blp.arguments(WeighInPatchSchema())
    @weighins_blp.response(200, WeighInSchema)
    def patch(self, values, weighin_id):
        """Correct some fields of a weigh-in."""
        household = _household()
        weighin = services.correct_weighin(db(), household, weighin_id,
                                           **_localized(values, household))
        db().commit()
        return weighin

    @weighins_blp.doc(security=SECURITY)
    @weighins_blp.arguments(WeighInInputSchema())
    @weighins_blp.response(200, WeighInSchema)
    def put(self, values, weighin_id):
        """Replace a weigh-in's bin, weight and note (and its time when given)."""
        household = _household()
        weighin = services.correct_weighin(db(), household, weighin_id,
                                           **_localized(values, household))
        db().commit()
        return weighin

    @weighins_blp.doc(security=SECURITY)
    @weighins_blp.response(204)
    def delete(self, weighin_id):
        """Delete a weigh-in."""
        services.delete_weighin(db(), _household(), weighin_id)
        db().commit()


@account_blp.route("/me")
@account_blp.doc(security=SECURITY)
@account_blp.response(200, MeSchema)
def me():
    """The signed-in account and its household (null for staff)."""
    return g.api_account


@account_blp.route("/token", methods=["POST"])
@account_blp.arguments(TokenRequestSchema())
@account_blp.response(201, TokenSchema)
@account_blp.alt_response(401, description="Unknown email or wrong password.")
def token(credentials):
    """Exchange email + password for a new bearer token, shown once (listed on the account page)."""
    account = services.authenticate(db(), credentials["email"], credentials["password"])
    if account is None:
        abort(401, description="Unknown email or wrong password.")
    value = services.issue_api_token(db(), account, credentials["name"])
    db().commit()
    return {"token": value, "token_type": "Bearer"}


def register(api) -> None:
    """Register the blueprints on the app's Api; the API checks CSRF itself (session only)."""
    api.spec.options.setdefault("info", {})["description"] = API_DESCRIPTION
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    api.spec.components.security_scheme("cookieAuth", {"type": "apiKey", "in": "cookie",
                                                       "name": "session"})
    from tracker.web.api.absences import absences_blp

    for blp in (weighins_blp, account_blp, absences_blp):
        csrf.exempt(blp)
        api.register_blueprint(blp)
