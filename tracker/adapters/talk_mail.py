"""The discussions' notices (tracker.services.talk) as queued mails, with their links on the
site's address: shared by the pages (a request only queues) and by `zw talk digest`."""
from __future__ import annotations

from tracker.adapters import mailer
from tracker.adapters.site import public_url_for
from tracker.services import talk


def queue_notices(notices: list[talk.Notice], session) -> None:
    """Render and queue the service's notices in the session's transaction."""
    for notice in notices:
        context = dict(notice.context)
        if "question" in context:
            context["link"] = public_url_for("talk.thread", question_id=context["question"].id)
        elif "post" in context:
            context["link"] = public_url_for("talk.post_comments", post_id=context["post"].id)
        else:
            context["link"] = public_url_for("talk.index")
        mailer.send(session, notice.template, notice.account.email, locale=notice.account.locale,
                    household_id=notice.account.household_id, **context)
