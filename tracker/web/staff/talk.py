"""Staff room: the discussions of every edition, newest first, with hide and show again.

Hiding needs a reason; who hid what and when is kept on the message and in the audit log.
A hidden message stays here (marked "Masqué", with who hid it, when and why) and disappears
for families.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField

from tracker.domain import DomainError
from tracker.extensions import db
from tracker.models import Edition
from tracker.models import TalkQuestion
from tracker.services import talk
from tracker.web.common.auth import staff_required

bp = Blueprint("staff_talk", __name__)


class HideForm(FlaskForm):
    reason = StringField(_l("Reason (shown to staff only)"))


@bp.route("/equipe/discussions")
@staff_required
def index():
    """Recent questions, answers and comments of every edition."""
    editions = {e.id: e for e in db().scalars(select(Edition))}
    return render_template("staff_talk/index.html", items=talk.recent(db(), 100),
                           editions=editions, form=HideForm(),
                           is_question=lambda item: isinstance(item, TalkQuestion))


def _back(kind: str, item_id: int) -> str:
    return url_for(".index") + f"#{kind}-{item_id}"


def _hide(kind: str, item_id: int):
    """Hide a question or a message (a reason is required); audited."""
    item = talk.get_item(db(), kind, item_id)  # unknown: 404
    try:
        talk.moderate(db(), current_user, item, hide=True, reason=HideForm().reason.data)
    except DomainError as exc:
        db().rollback()
        flash(_("Not hidden: %(error)s", error=str(exc.message)), "error")
    else:
        db().commit()
        flash(_("Hidden."), "success")
    return redirect(_back(kind, item_id))


def _show_again(kind: str, item_id: int):
    """Show a hidden question or message again; audited."""
    talk.moderate(db(), current_user, talk.get_item(db(), kind, item_id), hide=False)
    db().commit()
    flash(_("Shown again."), "success")
    return redirect(_back(kind, item_id))


@bp.route("/equipe/discussions/questions/<int:question_id>/masquer", methods=["POST"])
@staff_required
def hide_question(question_id: int):
    return _hide("question", question_id)


@bp.route("/equipe/discussions/messages/<int:message_id>/masquer", methods=["POST"])
@staff_required
def hide_message(message_id: int):
    return _hide("message", message_id)


@bp.route("/equipe/discussions/questions/<int:question_id>/afficher", methods=["POST"])
@staff_required
def show_question(question_id: int):
    return _show_again("question", question_id)


@bp.route("/equipe/discussions/messages/<int:message_id>/afficher", methods=["POST"])
@staff_required
def show_message(message_id: int):
    return _show_again("message", message_id)
