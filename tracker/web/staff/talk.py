"""Staff room: the discussions of every edition, newest first, with hide and show again.

Hiding needs a reason; who hid what and when is kept on the message and in the audit log.
A hidden message stays here (marked "Masqué", with who hid it, when and why) and disappears
for families.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import HiddenField, StringField

from tracker.domain import DomainError, NotFound
from tracker.extensions import db
from tracker.models import Edition
from tracker.models import TalkQuestion
from tracker.services import talk
from tracker.web.common.auth import staff_required

bp = Blueprint("staff_talk", __name__)


class ModerateForm(FlaskForm):
    action = HiddenField()
    reason = StringField(_l("Reason (shown to staff only)"))


@bp.route("/equipe/discussions")
@staff_required
def index():
    """Recent questions, answers and comments of every edition."""
    editions = {e.id: e for e in db().scalars(select(Edition))}
    return render_template("staff_talk/index.html", items=talk.recent(db(), 100),
                           editions=editions, form=ModerateForm(),
                           is_question=lambda item: isinstance(item, TalkQuestion))


def _moderate(kind: str, item_id: int):
    form = ModerateForm()
    if not form.validate_on_submit():  # without a CSRF token: nothing done
        abort(400)
    try:
        item = talk.get_item(db(), kind, item_id)
        talk.moderate(db(), current_user, item, hide=form.action.data == "hide",
                      reason=form.reason.data)
    except NotFound:
        abort(404)
    except DomainError as exc:
        db().rollback()
        flash(_("Not hidden: %(error)s", error=str(exc.message)), "error")
    else:
        db().commit()
        flash(_("Hidden.") if form.action.data == "hide" else _("Shown again."), "success")
    return redirect(url_for(".index") + f"#{kind}-{item_id}")


@bp.route("/equipe/discussions/questions/<int:question_id>/moderer", methods=["POST"])
@staff_required
def moderate_question(question_id: int):
    return _moderate("question", question_id)


@bp.route("/equipe/discussions/messages/<int:message_id>/moderer", methods=["POST"])
@staff_required
def moderate_message(message_id: int):
    return _moderate("message", message_id)
