"""Where a weigh-in came from, in the family's words (the history, the staff household page).

The stored `source` says which entry point took the weigh-in, not what the person did: the
phone's offline queue sends its entries through the API (with the entry's `client_uuid`,
tracker/static/pwa/offline.js), so they were shown as "App (API)" although the family typed
them on the weigh-in page without signal. An API weigh-in that carries a client UUID is read as
such an entry, "sent later" when it reached the server more than `LATE` after the time it was
weighed. (An outside API client that sends its own client UUIDs reads the same way; none is
known, and its weigh-ins are its family's own.)
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Flask
from flask_babel import gettext as _

from tracker.domain import Source
from tracker.web.common.weighin_form import SOURCE_LABELS

#: Received this long after the weigh-in's time: it waited in the phone's queue.
LATE = dt.timedelta(minutes=2)


def source_words(weighin, zone: ZoneInfo | None = None) -> str:
    """The weigh-in's origin as the family would say it."""
    if weighin.source == Source.API and weighin.client_uuid:
        received = weighin.created_at
        if received is not None and weighin.measured_at is not None and \
                received - weighin.measured_at > LATE:
            local = received.astimezone(zone) if zone else received
            return _("Entered without a connection, sent on %(date)s at %(time)s",
                     date=local.strftime("%d/%m/%Y"), time=local.strftime("%H:%M"))
        return _("Entered without a connection, sent when the signal came back")
    return str(SOURCE_LABELS.get(weighin.source, weighin.source))


def init_app(app: Flask) -> None:
    app.add_template_global(source_words, "weighin_source")
