"""The audit log in sentences: each action the code records (`audit.record`) as staff say it.

Entries keep short codes and plain values (`weighin.review`, `decision=rejected`,
`weight_g=30000`) so that they stay stable and survive an erasure; the staff page reads them
through `describe`. tests/staff/test_audit_words.py checks that every action recorded anywhere
in the code has a sentence here. An action without one is shown as its code.
"""
from __future__ import annotations

from typing import Callable

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from tracker.domain import STREAM_LABELS, Role, WeighInStatus


def _kg(grams) -> str:
    try:
        return format_decimal(int(grams) / 1000, format="#,##0.###")
    except (TypeError, ValueError):
        return str(grams)


def _review(d: dict) -> str:
    if d.get("decision") == WeighInStatus.ACCEPTED:
        return _("Accepted a doubtful weigh-in of %(kg)s kg: it counts.", kg=_kg(d.get("weight_g")))
    return _("Rejected a weigh-in of %(kg)s kg: it does not count.", kg=_kg(d.get("weight_g")))


def _pair(d: dict) -> str:
    from tracker.web.staff.devices import FIRMWARE_LABELS

    stream = d.get("stream")
    return _("Paired scale %(device)s (bin: %(stream)s, %(firmware)s).",
             device=d.get("device", "?"), stream=STREAM_LABELS.get(stream, stream or "?"),
             firmware=FIRMWARE_LABELS.get(d.get("firmware"), d.get("firmware") or "?"))


def _staff_add(d: dict) -> str:
    return _("Entered a weigh-in of %(kg)s kg (%(stream)s) for the household.",
             kg=_kg(d.get("weight_g")), stream=str(STREAM_LABELS.get(d.get("stream"), "?")).lower())


def _staff_correct(d: dict) -> str:
    if d.get("before_g") != d.get("weight_g"):
        return _("Corrected a weigh-in of the household: %(before)s kg became %(kg)s kg.",
                 before=_kg(d.get("before_g")), kg=_kg(d.get("weight_g")))
    return _("Corrected a weigh-in of the household (%(kg)s kg): bin, date or note.",
             kg=_kg(d.get("weight_g")))


def _reminders(d: dict) -> str:
    return (_("Turned the household's reminders on.") if d.get("enabled")
            else _("Turned the household's reminders off."))


def _team(d: dict) -> str:
    return (_("Put the household in a team.") if d.get("team")
            else _("Took the household out of its team."))


def _account(d: dict) -> str:
    return (_("Created a staff account.") if d.get("role") == Role.STAFF
            else _("Created a family account."))


def _day(value) -> str:
    """An ISO date of the details as staff write it (dd/mm/yyyy); as it is when not a date."""
    text = str(value or "?")
    parts = text.split("-")
    return "/".join(reversed(parts)) if len(parts) == 3 else text


def _absence(template) -> Callable[[dict], str]:
    return lambda d: str(template) % {"date_from": _day(d.get("date_from")),
                                      "date_to": _day(d.get("date_to"))}


def _accept(d: dict) -> str:
    return _("Accepted month %(month)s as reliable despite missing weeks: “%(reason)s”.",
             month=d.get("month", "?"), reason=d.get("reason") or "?")


def _fields(d: dict) -> str:
    return _("Changed the edition's settings (%(fields)s).",
             fields=", ".join(str(f) for f in d.get("fields") or []) or "?")


def _count(template) -> Callable[[dict], str]:
    return lambda d: str(template) % {"count": d.get("added", "?")}


#: Groups of a staff message (`mail.group`) as staff say them.
GROUP_WORDS = {"all": _l("every household of the edition"), "silent": _l("the silent households"),
               "team": _l("a team"), "commune": _l("the households of a commune")}

#: action code → sentence (a lazy text with the details' names, or a function of the details).
SENTENCES: dict[str, object] = {
    "absence.declare": _absence(_l("Declared the household away from %(date_from)s to "
                                   "%(date_to)s.")),
    "absence.delete": _absence(_l("Withdrew the household's absence from %(date_from)s to "
                                  "%(date_to)s.")),
    "account.create": _account,
    "device.pair": _pair,
    "device.revoke": _l("Revoked scale %(device)s: its weigh-ins no longer count."),
    "edition.create": _l("Created the edition."),
    "edition.update": _fields,
    "enrolment.approve": _l("Accepted a sign-up request: the household is enrolled."),
    "enrolment.decline": _l("Declined a sign-up request."),
    "event.update": _l("Changed an event (no. %(event)s)."),
    "event.delete": _l("Deleted an event (no. %(event)s)."),
    "household.erase": _l("Erased the household and all its data."),
    "household.export": _l("Downloaded the household's data (%(format)s)."),
    "household.invite_member": _l("Invited another member to the household's account."),
    "household.reminders": _reminders,
    "news.mail": _l("Sent an announcement by mail (%(mails)s mail(s) queued)."),
    "household.remind": _l("Sent the household a reminder to weigh (%(mails)s mail(s) queued)."),
    "mail.group": lambda d: str(_l("Wrote to %(group)s: %(mails)s mail(s) queued.")) % {
        "group": str(GROUP_WORDS.get(d.get("group"), d.get("group") or "?")),
        "mails": d.get("mails", "?")},
    "household.size": lambda d: str(_l("Changed the household's size: %(persons)s person(s) "
                                       "from %(date)s.")) % {"persons": d.get("persons", "?"),
                                                             "date": _day(d.get("valid_from"))},
    "household.team": _team,
    "progress.accept": _accept,
    "households.import": _count(_l("Imported %(count)s household(s) from a file.")),
    "households.invite": _l("Invited %(households)s household(s) without an account to open it "
                            "(%(mails)s mail(s) queued)."),
    "weighins.import": _count(_l("Imported %(count)s weigh-in(s) from a file.")),
    "report.publish": _l("Published the edition's results."),
    "report.republish": _l("Published the edition's results again (the figures were replaced)."),
    "report.withdraw": _l("Withdrew the published results."),
    "weighin.review": _review,
    "weighin.staff_add": _staff_add,
    "weighin.staff_correct": _staff_correct,
    "talk.hide": lambda d: (
        _("Hid question no. %(n)s of the discussions: %(reason)s", n=d.get("message", "?"),
          reason=d.get("reason", "?")) if d.get("kind") == "question" else
        _("Hid message no. %(n)s of the discussions: %(reason)s", n=d.get("message", "?"),
          reason=d.get("reason", "?"))),
    "talk.unhide": lambda d: (
        _("Showed question no. %(n)s of the discussions again.", n=d.get("message", "?"))
        if d.get("kind") == "question" else
        _("Showed message no. %(n)s of the discussions again.", n=d.get("message", "?"))),
}


class _Missing(dict):
    def __missing__(self, key):
        return "?"


def init_app(app) -> None:
    app.add_template_filter(lambda entry: describe(entry.action, entry.details), "audit_sentence")


def describe(action: str, details: dict | None) -> str:
    """The entry as a sentence in the page's language; its code when none is known."""
    sentence = SENTENCES.get(action)
    details = details or {}
    if sentence is None:
        return action
    if callable(sentence) and not isinstance(sentence, LazyString):
        return sentence(details)
    return str(sentence) % _Missing({k: v for k, v in details.items()})
