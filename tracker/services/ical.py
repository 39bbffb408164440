"""iCalendar (RFC 5545) feeds of events, written by hand: a handful of properties suffice.

Lines end with CRLF and are folded at 75 octets (never inside a UTF-8 sequence); text values
escape backslash, semicolon, comma and newlines; times are UTC (`...Z`).
"""
from __future__ import annotations

import datetime as dt
from typing import Iterable

from tracker.models import Event

PRODID = "-//Zero-waste challenge tracker//FR"


def escape(text: str) -> str:
    """A TEXT value (RFC 5545 §3.3.11)."""
    return (str(text).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def fold(line: str) -> str:
    """Split a content line into 75-octet pieces joined by CRLF + space (§3.1)."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    pieces, start, limit = [], 0, 75
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:  # do not cut a character
            end -= 1
        pieces.append(data[start:end].decode("utf-8"))
        start, limit = end, 74  # continuation lines begin with a space
    return "\r\n ".join(pieces)


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def calendar(events: Iterable[tuple[Event, str]], *, name: str, host: str,
             now: dt.datetime, with_links: bool) -> str:
    """A VCALENDAR of (event, status) pairs; status is CONFIRMED, TENTATIVE or CANCELLED."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", f"X-WR-CALNAME:{escape(name)}", "X-WR-TIMEZONE:Europe/Paris"]
    for event, status in events:
        description = event.description or ""
        if with_links and event.meeting_url:
            description = (description + "\n\n" if description else "") + event.meeting_url
        lines += ["BEGIN:VEVENT", f"UID:event-{event.id}@{host}", f"DTSTAMP:{_utc(now)}",
                  f"LAST-MODIFIED:{_utc(event.updated_at or event.created_at)}",
                  f"DTSTART:{_utc(event.starts_at)}", f"DTEND:{_utc(event.ends_at)}",
                  f"SUMMARY:{escape(event.title)}", f"STATUS:{status}"]
        if description:
            lines.append(f"DESCRIPTION:{escape(description)}")
        location = event.place or (event.meeting_url if with_links else "")
        if location:
            lines.append(f"LOCATION:{escape(location)}")
        if with_links and event.meeting_url:
            lines.append(f"URL:{event.meeting_url}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
