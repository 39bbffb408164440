"""The invitations of households without an account (tracker.services.imported_invitations) as queued
mails, with their links on the site's address: shared by the staff page (a request only queues)
and by `zw households invite`."""
from __future__ import annotations

from tracker.adapters import mailer
from tracker.adapters.site import public_url_for
from tracker.services import imported_invitations as invitations, links

#: The mail template (templates/mail/<locale>/household_invitation.txt) and the queue's kind.
TEMPLATE = "household_invitation"


def queue_invitations(session, report: invitations.Report) -> int:
    """Render and queue one mail per invitation in the session's transaction; how many."""
    for invitation in report.invitations:
        household, account = invitation.household, invitation.account
        mailer.send(session, TEMPLATE, account.email, locale=account.locale,
                    household_id=household.id, household=household, edition=household.edition,
                    link=public_url_for("public_links.use_link", token=invitation.token),
                    hours=links.INVITE_HOURS)
    return len(report.invitations)
