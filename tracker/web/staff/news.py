"""News and tips, as staff write them."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from tracker.domain import DomainError
from tracker.extensions import db
from tracker.models import Edition
from tracker.services import news
from tracker.web.common.auth import staff_required
from tracker.web.common.forms import errors_of, form_int, form_text

bp = Blueprint("staff_news", __name__)


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
    values = ({c: getattr(post, c) for c in ("kind", "title", "body", "link", "tags",
                                             "edition_id")} if post else
              {"kind": request.args.get("kind", "news"), "edition_id": None})
    if request.method == "POST":
        if request.form.get("action") == "delete" and post is not None:
            session.delete(post)
            session.commit()
            flash(_("Deleted."), "success")
            return redirect(url_for(".index"))
        values = {"kind": form_text("kind", 8), "title": form_text("title", 200),
                  "body": form_text("body", 20000), "link": form_text("link", 500),
                  "tags": form_text("tags", 300), "edition_id": form_int("edition_id")}
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
