"""News and tips, as staff write them."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from tracker.domain import DomainError, PostKind
from tracker.extensions import db
from tracker.models import Edition
from tracker.services import news
from tracker.web.common.auth import staff_required
from tracker.web.common.forms import Text, WholeNumber, errors_of

bp = Blueprint("staff_news", __name__)


class PostForm(FlaskForm):
    """A news item or a tip (the service checks the values)."""

    kind = Text(limit=8)
    title = Text(limit=200)
    body = Text(limit=20000)
    link = Text(limit=500)
    tags = Text(limit=300)
    edition_id = WholeNumber()


FIELDS = ("kind", "title", "body", "link", "tags", "edition_id")


@bp.route("/equipe/actualites")
@staff_required
def index():
    return render_template("news/staff_list.html", posts=news.staff_posts(db()),
                           editions={e.id: e for e in db().scalars(select(Edition))})


@bp.route("/equipe/actualites/nouvelle", methods=["GET", "POST"])
@bp.route("/equipe/actualites/<int:post_id>", methods=["GET", "POST"])
@staff_required
def edit(post_id: int | None = None):
    session = db()
    post = news.get_post(session, post_id) if post_id else None
    errors: dict = {}
    values = ({c: getattr(post, c) for c in FIELDS} if post else
              {"kind": request.args.get("kind", PostKind.NEWS.value), "edition_id": None})
    form = PostForm()
    if form.validate_on_submit():
        values = {name: form[name].data for name in FIELDS}
        try:
            post = news.save_post(session, post, current_user, **values)
        except DomainError as exc:
            session.rollback()
            errors = errors_of(exc)
        else:
            session.commit()
            flash(_("Published."), "success")
            return redirect(url_for(".index"))
    editions = session.scalars(select(Edition).order_by(Edition.start_date.desc())).all()
    return render_template("news/staff_edit.html", post=post, values=values, errors=errors,
                           editions=editions), 422 if errors else 200


@bp.route("/equipe/actualites/<int:post_id>/supprimer", methods=["POST"])
@staff_required
def delete(post_id: int):
    """Delete a news item or a tip."""
    news.delete_post(db(), news.get_post(db(), post_id))
    db().commit()
    flash(_("Deleted."), "success")
    return redirect(url_for(".index"))
