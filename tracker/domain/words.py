"""The domain's words: the bins (streams) and their names, and the values a column takes (a
weigh-in's source and status, an account's role, ...) as `StrEnum`s.

A member is its value (`Source.WEB == "web"`, `str(Source.WEB) == "web"`, JSON "web"): the
database columns, the API's JSON and the exports keep the same strings, and the tuples below
(`STREAMS`, `SOURCES`...) are the plain values, for `OneOf`, `click.Choice` and CHECK
constraints.
"""
from __future__ import annotations

import enum
import unicodedata

from tracker.domain.text import _l


class Stream(enum.StrEnum):
    """A bin (flux); an edition counts some of them (`counted_streams`)."""

    RESIDUAL = "residual"
    PACKAGING = "packaging"
    GLASS = "glass"
    BIOWASTE = "biowaste"
    PAPER = "paper"
    TEXTILE = "textile"
    BULKY = "bulky"


class Source(enum.StrEnum):
    """Where a weigh-in came from (`weighins.source`)."""

    WEB = "web"  # a family's page
    API = "api"  # /api/v1
    IMPORT = "import"  # a CSV import
    SCALE = "scale"  # MQTT, through the ingest
    STAFF = "staff"  # typed by staff on the household's page


class WeighInStatus(enum.StrEnum):
    """A weigh-in's status (`weighins.status`): only accepted ones count."""

    ACCEPTED = "accepted"
    FLAGGED = "flagged"  # doubtful: waits for staff
    REJECTED = "rejected"  # by staff


class Role(enum.StrEnum):
    """An account's role (`accounts.role`)."""

    FAMILY = "family"
    STAFF = "staff"
    ADMIN = "admin"


#: the roles that see the staff pages (`Account.is_staff`)
STAFF_ROLES = (Role.STAFF.value, Role.ADMIN.value)


class EnrolmentStatus(enum.StrEnum):
    """A sign-up request's status (`enrolments.status`)."""

    PENDING = "pending"
    APPROVED = "approved"


class RegistrationStatus(enum.StrEnum):
    """A household's place at a workshop (`event_registrations.status`)."""

    CONFIRMED = "confirmed"
    WAITING = "waiting"  # on the waiting list


class Visibility(enum.StrEnum):
    """A discussion question's or message's status (`talk_*.status`): staff may hide one."""

    VISIBLE = "visible"
    HIDDEN = "hidden"


class PostKind(enum.StrEnum):
    """A post's kind (`posts.kind`)."""

    NEWS = "news"
    TIP = "tip"


class TalkMail(enum.StrEnum):
    """When a household gets the discussions' notices by mail (`talk_preferences.mail`)."""

    EACH = "each"
    DIGEST = "digest"
    NEVER = "never"


class NewsMail(enum.StrEnum):
    """When a household gets the news by mail (`household_settings.news_mail`)."""

    POST = "post"
    DIGEST = "digest"
    OFF = "off"


class LinkPurpose(enum.StrEnum):
    """What a one-time link is for (`login_tokens.purpose`)."""

    SIGNIN = "signin"
    INVITE = "invite"
    RESET = "reset"  # a password reset: sets a new password once


def values(kind: type[enum.StrEnum]) -> tuple[str, ...]:
    """The plain strings of an enum, in order (for `OneOf`, `click.Choice`, CHECK constraints)."""
    return tuple(member.value for member in kind)


STREAMS = values(Stream)
DEFAULT_STREAMS = (Stream.RESIDUAL.value, Stream.PACKAGING.value, Stream.GLASS.value,
                   Stream.BIOWASTE.value)
DEFAULT_COUNTED = (Stream.RESIDUAL.value, Stream.PACKAGING.value, Stream.GLASS.value)
#: kg of residual household waste per inhabitant per year in France: ADEME, MODECOM 2017
#: (3rd national characterisation campaign), the default figure families compare with
REFERENCE_KG_YEAR = 254.0
REFERENCE_SOURCE = "ADEME, campagne nationale de caractérisation MODECOM 2017"
SOURCES = values(Source)
STATUSES = values(WeighInStatus)
ROLES = values(Role)

STREAM_LABELS = {
    Stream.RESIDUAL: _l("Residual waste"),
    Stream.PACKAGING: _l("Packaging and paper"),
    Stream.GLASS: _l("Glass"),
    Stream.BIOWASTE: _l("Biowaste"),
    Stream.PAPER: _l("Paper"),
    Stream.TEXTILE: _l("Textiles"),
    Stream.BULKY: _l("Bulky waste"),
}

_ALIASES = {
    Stream.RESIDUAL: ["residual", "omr", "ordures menageres", "ordures menageres residuelles",
                 "ordures", "om", "residuel", "residuels", "dechets residuels", "poubelle",
                 "residual waste", "household waste", "trash", "grey bin"],
    Stream.PACKAGING: ["packaging", "emballages", "emballage", "emballages et papiers",
                  "recyclables", "bac jaune", "jaune", "tri", "cs", "collecte selective",
                  "packaging and paper", "recycling"],
    Stream.GLASS: ["glass", "verre", "verres"],
    Stream.BIOWASTE: ["biowaste", "biodechets", "biodechet", "compost", "dechets alimentaires",
                 "dechets de cuisine", "food waste", "organic"],
    Stream.PAPER: ["paper", "papier", "papiers", "cartons", "papiers cartons"],
    Stream.TEXTILE: ["textile", "textiles", "tlc", "vetements"],
    Stream.BULKY: ["bulky", "encombrants", "encombrant", "bulky waste"],
}


def fold_name(text: str) -> str:
    """A name folded for comparison: lower case, no accents, `_`, `-` and `'` as spaces."""
    text = unicodedata.normalize("NFKD", text.strip().lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.replace("_", " ").replace("-", " ").replace("'", " ").split())


STREAM_BY_NAME = {fold_name(alias): key.value for key, names in _ALIASES.items() for alias in names}


def normalize_stream(name: str) -> str | None:
    """The stream key for a French or English bin name (`OMR`, `verre`, `biodéchets`...), or None."""
    if not isinstance(name, str):
        return None
    return STREAM_BY_NAME.get(fold_name(name))
