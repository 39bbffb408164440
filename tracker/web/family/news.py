"""News and the tips library, as families read them (latest news on their home page; staff
may read them too)."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from tracker import clock
from tracker.extensions import db
from tracker.services import news

bp = Blueprint("family_news", __name__)


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
