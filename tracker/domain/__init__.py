"""The domain: words and rules that need neither a database nor a web framework.

- `words`: the bins (streams) and their names, and the values of the columns as `StrEnum`s
  (`Source`, `WeighInStatus`, `Role`, ...);
- `rules`: the limits on a weigh-in, the edition's calendar, `DomainError` and `NotFound`;
- `reasons`: why a reading was refused or flagged, a code and its parameters.

Everything but the reasons is importable from here: `from tracker.domain import Source`.
No Flask, no SQLAlchemy: the ingest imports it (and `_l` falls back to plain strings).
"""
from __future__ import annotations

from tracker.domain.rules import (COMMUNE_MAX_LENGTH, FLAG_WEIGHT_G, FUTURE_TOLERANCE, MAX_WEIGHT_G,
                                  NAME_MAX_LENGTH, NOTE_MAX_LENGTH, DomainError, NotFound,
                                  add_months, check_weight, edition_bounds)
from tracker.domain.text import _l
from tracker.domain.words import (DEFAULT_COUNTED, DEFAULT_STREAMS, REFERENCE_KG_YEAR,
                                  REFERENCE_SOURCE, ROLES, SOURCES, STAFF_ROLES, STATUSES,
                                  STREAM_BY_NAME, STREAM_LABELS, STREAMS, EnrolmentStatus,
                                  LinkPurpose, NewsMail, PostKind, RegistrationStatus, Role,
                                  Source, Stream, TalkMail, Visibility, WeighInStatus, fold_name,
                                  normalize_stream, values)

__all__ = [
    "COMMUNE_MAX_LENGTH", "DEFAULT_COUNTED", "DEFAULT_STREAMS", "FLAG_WEIGHT_G",
    "FUTURE_TOLERANCE", "MAX_WEIGHT_G", "NAME_MAX_LENGTH", "NOTE_MAX_LENGTH",
    "REFERENCE_KG_YEAR", "REFERENCE_SOURCE", "ROLES", "SOURCES", "STAFF_ROLES", "STATUSES",
    "STREAMS", "STREAM_BY_NAME", "STREAM_LABELS", "DomainError", "EnrolmentStatus",
    "LinkPurpose", "NewsMail", "NotFound", "PostKind", "RegistrationStatus", "Role", "Source",
    "Stream", "TalkMail", "Visibility", "WeighInStatus", "_l", "add_months", "check_weight",
    "edition_bounds", "fold_name", "normalize_stream", "values",
]
