"""News and the tips library: families read (latest news on their home page), staff write."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from tracker import clock
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.models import Edition
from tracker.services import news
from tracker.web.common.auth import staff_required
from tracker.web.common.forms import errors_of, form_int, form_text

bp = Blueprint("life_news", __name__)
PAGE_SIZE = 10


def _edition_id() -> int | None:
    """A family sees its edition's posts and the general ones; staff see everything."""
    return None if current_user.household_id is None else current_user.household.edition_id


@bp.app_context_processor
def _latest_news_helper() -> dict:
    def latest_news(limit: int = 3):
        if not current_user.is_authenticated or current_user.household_id is None:
            return []
        return news.latest_news(db(), current_user.household.edition_id, limit)

    return {"latest_news": latest_news}


@bp.route("/actualites")
@login_required
def index():
    page = max(1, request.args.get("page", 1, type=int))
    posts = news.latest_news(db(), _edition_id(), PAGE_SIZE + 1, (page - 1) * PAGE_SIZE)
    return render_template("news/index.html", posts=posts[:PAGE_SIZE], page=page,
                           has_next=len(posts) > PAGE_SIZE, now=clock.now(), is_new=news.is_new)


@bp.route("/astuces")
@login_required
def tips():
    """The tips and resources library, searchable."""
    q, tag = request.args.get("q", "")[:200], request.args.get("tag", "")[:100]
    found = news.search_tips(db(), _edition_id(), q, tag)
    return render_template("news/tips.html", tips=found, q=q, tag=tag,
                           tags=news.all_tags(db(), _edition_id()))


@bp.route("/equipe/actualites")
@staff_required
def staff_list():
    return render_template("news/staff_list.html", posts=news.staff_posts(db()),
                           editions={e.id: e for e in db().scalars(select(Edition))})


@bp.route("/equipe/actualites/nouvelle", methods=["GET", "POST"])
@bp.route("/equipe/actualites/<int:post_id>", methods=["GET", "POST"])
@staff_required
def staff_edit(post_id: int | None = None):
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
            return redirect(url_for(".staff_list"))
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
            return redirect(url_for(".staff_list"))
    editions = session.scalars(select(Edition).order_by(Edition.start_date.desc())).all()
    return render_template("news/staff_edit.html", post=post, values=values, errors=errors,
                           editions=editions), 422 if errors else 200
