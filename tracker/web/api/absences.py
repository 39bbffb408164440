"""REST API v1: the signed-in household's absences (dates when the whole household is away).

The same authentication and errors as the weigh-in endpoints (tracker/web/api.py), the same
service as the phone form (`tracker.services.coverage`): an absence counts 0 person-days, and
a week at least half away counts as weighed (DESIGN.md "Coverage and absences"). Staff accounts
have no household: 403. Another household's absence: 404.
"""
from __future__ import annotations

from flask import g
from flask.views import MethodView

from tracker.extensions import db
from tracker.schemas import AbsenceInputSchema, AbsenceSchema
from tracker.services import coverage
from tracker.web.api.v1 import SECURITY, _authenticate, _challenge_header, _household
from tracker.web.common.jsonbody import ApiBlueprint as Blueprint

absences_blp = Blueprint("absences_api", __name__, url_prefix="/api/v1/absences",
                         description="The signed-in household's absences (both dates "
                                     "included).")
absences_blp.before_request(_authenticate)
absences_blp.after_request(_challenge_header)


@absences_blp.route("")
class Absences(MethodView):
    @absences_blp.doc(security=SECURITY)
    @absences_blp.response(200, AbsenceSchema(many=True))
    def get(self):
        """List the household's absences, first dates first."""
        return coverage.absences(db(), _household())

    @absences_blp.doc(security=SECURITY)
    @absences_blp.arguments(AbsenceInputSchema())
    @absences_blp.response(201, AbsenceSchema)
    def post(self, values):
        """Declare an absence (within the edition's dates; the last day not before the first)."""
        absence = coverage.declare_absence(db(), _household(), actor=g.api_account, **values)
        db().commit()
        return absence


@absences_blp.route("/<int:absence_id>")
class AbsenceById(MethodView):
    @absences_blp.doc(security=SECURITY)
    @absences_blp.response(204)
    def delete(self, absence_id):
        """Withdraw one of the household's absences."""
        coverage.delete_absence(db(), _household(), absence_id, actor=g.api_account)
        db().commit()
