"""One URL tree per edition for staff: `/equipe/defis/<slug>/...` (docs/architecture.md).

A household's staff pages sit under its edition (`/equipe/defis/<slug>/foyers/<id>/...`).
A link may name only the household: `household_in_edition(bp)` fills the edition's slug in,
and `household_or_404` refuses a household that is not in the edition of the URL.
"""
from __future__ import annotations

from flask import Blueprint, abort

from tracker.extensions import db
from tracker.models import Household


def household_or_404(slug: str, household_id: int) -> Household:
    household = db().get(Household, household_id)
    if household is None or household.edition.slug != slug:
        abort(404)
    return household


def household_in_edition(bp: Blueprint) -> None:
    """`url_for(<endpoint of bp>, household_id=...)` without `slug`: the household's edition."""

    @bp.url_defaults
    def _edition_of_household(endpoint: str, values: dict) -> None:
        if "household_id" in values and "slug" not in values:
            household = db().get(Household, values["household_id"])
            if household is not None:
                values["slug"] = household.edition.slug
