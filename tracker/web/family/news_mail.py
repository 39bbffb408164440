"""Families: how the news come by mail — each announcement, a weekly digest, or none."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from marshmallow import ValidationError
from wtforms import StringField

from tracker.extensions import db
from tracker.schemas import messages_as_text, news_mail_choice
from tracker.services import news_mail
from tracker.web.common.auth import family_required

bp = Blueprint("news_mail", __name__)


class ChoiceForm(FlaskForm):
    news_mail = StringField()


@bp.route("/actualites/par-courriel", methods=["GET", "POST"])
@family_required
def choose():
    """The household's choice of news by mail."""
    household = current_user.household
    form = ChoiceForm()
    errors: dict = {}
    if form.is_submitted():
        try:
            value = news_mail_choice.load({"news_mail": form.news_mail.data} if
                                          form.news_mail.data else {})["news_mail"]
        except ValidationError as exc:
            errors = messages_as_text(exc.messages)
        else:
            news_mail.set_choice(db(), household, value)
            db().commit()
            flash(_("Your choice is saved."), "success")
            return redirect(url_for(".choose"))
    return render_template("news/mail_choice.html", form=form, errors=errors,
                           current=news_mail.choice(db(), household)), 422 if errors else 200
