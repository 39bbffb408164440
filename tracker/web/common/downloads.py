"""A household's data as a download: the family's own, or staff answering an access request."""
from __future__ import annotations

from flask import Response

from tracker import clock
from tracker.extensions import db
from tracker.models import Household
from tracker.services import privacy


def household_download(household: Household, kind: str) -> Response:
    """The household's data as JSON, or as a zip of CSV files."""
    data = privacy.export_household(db(), household)
    stamp = clock.now().strftime("%Y%m%d")
    if kind == "json":
        return Response(privacy.export_json(data), mimetype="application/json",
                        headers={"Content-Disposition":
                                 f'attachment; filename="mes-donnees-{stamp}.json"'})
    return Response(privacy.export_zip(data), mimetype="application/zip",
                    headers={"Content-Disposition":
                             f'attachment; filename="mes-donnees-{stamp}-csv.zip"'})
