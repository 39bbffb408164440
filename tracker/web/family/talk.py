"""Family room (and staff answering): the edition's questions and answers, comments under news.

A family asks and answers in its own edition only; anything else is a 404 (the service says
what may be read). Forms are Flask-WTF forms (CSRF); the service checks the texts. Mail to the
people concerned is queued in the request's transaction (tracker.web.mailer.send), never sent
from the request.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField

from tracker.domain import DomainError, NotFound, TalkMail
from tracker.extensions import db
from tracker.services import preferences, talk
from tracker.adapters import talk_mail
from tracker.web.common import mailer
from tracker.web.common.auth import family_required

bp = Blueprint("talk", __name__)


class AskForm(FlaskForm):
    title = StringField(_l("Your question"))
    body = TextAreaField(_l("Details (optional)"))


class MessageForm(FlaskForm):
    body = TextAreaField(_l("Your message"))


class MailForm(FlaskForm):
    """How discussions reach the household by mail (the service checks the value)."""

    mail = StringField(_l("Discussions by mail"))


MAIL_CHOICES = ((TalkMail.EACH, _l("Each message")), (TalkMail.DIGEST, _l("A daily digest")),
                (TalkMail.NEVER, _l("Never")))


def queue_notices(notices: list[talk.Notice], session=None) -> None:
    """Render and queue the service's notices in the transaction (the request's by default)."""
    talk_mail.queue_notices(notices, session if session is not None else db())


def _publish(write):
    """Run a service call that returns (what it wrote, notices); queue the notices and commit
    with the mails (the sender is woken), or roll back: (what it wrote, {}) or (None, errors)."""
    try:
        written, notices = write()
        queue_notices(notices)
    except DomainError as exc:
        db().rollback()
        return None, _errors(exc)
    mailer.commit_and_queue()
    return written, {}


def _errors(exc: DomainError) -> dict:
    return {exc.field or "body": str(exc.message)}


@bp.app_template_global()
def talk_comment_count(post) -> int | None:
    """The number of comments under a post the visitor may read (None: signed out)."""
    if not current_user.is_authenticated:
        return None
    return talk.comment_counts(db(), current_user, [post]).get(post.id, 0)


@bp.route("/questions", methods=["GET", "POST"])
@family_required
def index():
    """The edition's questions and the form to ask one."""
    form, errors = AskForm(), {}
    if form.validate_on_submit():
        question, errors = _publish(lambda: talk.ask(db(), current_user, title=form.title.data,
                                                     body=form.body.data))
        if not errors:
            flash(_("Question published."), "success")
            return redirect(url_for(".thread", question_id=question.id))
    mail_form = MailForm(mail=preferences.talk_mail_choice(db(), current_user.household))
    return render_template("talk/index.html", form=form, errors=errors, mail_form=mail_form,
                           mail_choices=MAIL_CHOICES,
                           questions=talk.questions(db(), current_user.household.edition_id)), \
        422 if errors else 200


@bp.route("/questions/courriels", methods=["POST"])
@family_required
def mail_choice():
    """How discussions reach the household by mail."""
    form = MailForm()
    try:
        preferences.set_talk_mail_choice(db(), current_user.household, form.mail.data or "")
    except DomainError as exc:
        db().rollback()
        flash(str(exc.message), "error")
    else:
        db().commit()
        flash(_("Your choice is saved."), "success")
    return redirect(url_for(".index"))


@bp.route("/questions/<int:question_id>", methods=["GET", "POST"])
@login_required
def thread(question_id: int):
    """A question, its answers and the form to answer (families of its edition, staff)."""
    try:
        question = talk.get_question(db(), current_user, question_id)
    except NotFound:
        abort(404)
    form, errors = MessageForm(), {}
    if form.validate_on_submit():
        _message, errors = _publish(lambda: talk.answer(db(), current_user, question,
                                                        form.body.data))
        if not errors:
            flash(_("Answer published."), "success")
            return redirect(url_for(".thread", question_id=question.id) + "#reponse")
    return render_template("talk/thread.html", question=question, form=form, errors=errors,
                           messages=talk.answers(db(), current_user, question)), \
        422 if errors else 200


@bp.route("/actualites/<int:post_id>/commentaires", methods=["GET", "POST"])
@login_required
def post_comments(post_id: int):
    """A news post or tip, its comments and the form to comment."""
    try:
        post = talk.get_post(db(), current_user, post_id)
    except NotFound:
        abort(404)
    form, errors = MessageForm(), {}
    if form.validate_on_submit():
        _message, errors = _publish(lambda: talk.comment(db(), current_user, post,
                                                         form.body.data))
        if not errors:
            flash(_("Comment published."), "success")
            return redirect(url_for(".post_comments", post_id=post.id) + "#reponse")
    return render_template("talk/post.html", post=post, form=form, errors=errors,
                           messages=talk.comments(db(), current_user, post)), \
        422 if errors else 200
