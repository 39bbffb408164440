"""Helpers for the web tests: CSRF tokens from pages, row counts, readable page text."""
from __future__ import annotations

import html
import re

from sqlalchemy import func, select

from tests.conftest import _csrf_from
from tracker.models import WeighIn


def csrf(client, path: str = "/pesee") -> str:
    """The CSRF token of a page the client can see."""
    return _csrf_from(client.get(path).get_data(as_text=True))


def count_weighins(app, household_id: int | None = None) -> int:
    with app.extensions["zw_db"].session() as s:
        query = select(func.count(WeighIn.id))
        if household_id is not None:
            query = query.where(WeighIn.household_id == household_id)
        return s.scalar(query)


def weighins(app, household_id: int) -> list[WeighIn]:
    with app.extensions["zw_db"].session() as s:
        return list(s.scalars(select(WeighIn).where(WeighIn.household_id == household_id)
                              .order_by(WeighIn.id)))


def text(response) -> str:
    """The page as text with entities decoded (`l'équipe`, not `l&#39;équipe`)."""
    return html.unescape(response.get_data(as_text=True))


def field_has_error(page: str, field_id: str) -> bool:
    """The input is marked aria-invalid and points to its error message."""
    tag = re.search(r'<input[^>]*id="%s"[^>]*>' % re.escape(field_id), page, re.S)
    return bool(tag and 'aria-invalid="true"' in tag.group(0)
                and f'{field_id}-error' in tag.group(0))
