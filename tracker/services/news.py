"""News (announcements) and the library of tips and resources, written by staff.

A post belongs to one edition or, without an edition, to all. The tips library is searched in
Python with accents and case folded (`dechets` finds `déchets`) the same way on SQLite and
PostgreSQL; a library holds hundreds of entries, not millions.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tracker import clock
from tracker.domain import DomainError, NotFound, PostKind, _l, fold_name, values
from tracker.models import Account
from tracker.models import Post

KINDS = values(PostKind)


def _clean_tags(tags: str) -> str:
    seen = dict.fromkeys(t.strip().lower() for t in (tags or "").replace(";", ",").split(","))
    return ", ".join(t for t in seen if t)[:300]


def _check(kind: str, title: str, link: str) -> None:
    if kind not in KINDS:
        raise DomainError(_l("Choose news or tip."), "kind")
    if not (title or "").strip():
        raise DomainError(_l("The title is required."), "title")
    if link and not link.startswith(("https://", "http://", "/")):
        raise DomainError(_l("The link must start with https:// or /."), "link")


def save_post(session: Session, post: Post | None, actor: Account | None, *, kind: str,
              title: str, body: str = "", link: str = "", tags: str = "",
              edition_id: int | None = None) -> Post:
    """Create (post None) or change a post."""
    _check(kind, title, link)
    if post is None:
        post = Post(published_at=clock.now(), author_id=actor.id if actor else None)
        session.add(post)
    post.kind, post.title, post.body = kind, title.strip(), body or ""
    post.link, post.tags, post.edition_id = link or "", _clean_tags(tags), edition_id
    session.flush()
    return post


def get_post(session: Session, post_id: int) -> Post:
    post = session.get(Post, post_id)
    if post is None:
        raise NotFound()
    return post


def delete_post(session: Session, post: Post) -> None:
    """Delete a news item or a tip (its comments go with it)."""
    session.delete(post)
    session.flush()


def _visible(query, edition_id: int | None):
    if edition_id is None:
        return query
    return query.where(or_(Post.edition_id.is_(None), Post.edition_id == edition_id))


def latest_news(session: Session, edition_id: int | None, limit: int = 3,
                offset: int = 0) -> list[Post]:
    """The newest announcements for an edition (and those for all editions)."""
    query = _visible(select(Post).where(Post.kind == PostKind.NEWS), edition_id)
    return list(session.scalars(query.order_by(Post.published_at.desc(), Post.id.desc())
                                .limit(limit).offset(offset)))


def search_tips(session: Session, edition_id: int | None, text: str = "",
                tag: str = "") -> list[Post]:
    """Tips whose title, text or tags contain every word of `text` (accents ignored)."""
    tips = session.scalars(_visible(select(Post).where(Post.kind == PostKind.TIP), edition_id)
                           .order_by(Post.title)).all()
    words = fold_name(text or "").split()
    tag = fold_name(tag or "")
    found = []
    for tip in tips:
        haystack = fold_name(" ".join((tip.title, tip.body, tip.tags)))
        tags = [fold_name(t) for t in tip.tags.split(",")]
        if all(w in haystack for w in words) and (not tag or tag in tags):
            found.append(tip)
    return found


def all_tags(session: Session, edition_id: int | None) -> list[str]:
    """Every tag used by the tips, sorted."""
    tags = set()
    for raw in session.scalars(_visible(select(Post.tags).where(Post.kind == PostKind.TIP),
                                        edition_id)):
        tags.update(t.strip() for t in raw.split(",") if t.strip())
    return sorted(tags, key=fold_name)


def staff_posts(session: Session) -> list[Post]:
    return list(session.scalars(select(Post).order_by(Post.published_at.desc(), Post.id.desc())))


def is_new(post: Post, now: dt.datetime | None = None) -> bool:
    """Published in the last 7 days."""
    return (now or clock.now()) - post.published_at < dt.timedelta(days=7)
