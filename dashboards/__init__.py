"""Dashboards: the progress method as pure pandas functions, exports and plotly figures.

No database, Flask or MQTT imports here: the tracker loads rows into DataFrames, calls
:mod:`dashboards.method`, and renders with :mod:`dashboards.figures`, :mod:`dashboards.export`
and :mod:`dashboards.sentences`.
"""
from .method import (  # noqa: F401
    EditionParams,
    cohort_progress,
    household_progress,
    month_bounds,
    progress_tables,
    stream_progress,
)
