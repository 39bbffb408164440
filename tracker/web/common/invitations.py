"""An invitation into a household (tracker.services.invitations) as a queued mail, with its
links on the site's address: shared by the family's members page and staff's household page."""
from __future__ import annotations

from tracker.services import links
from tracker.services.invitations import Invitation
from tracker.web.common import mailer


def queue_invitation(session, invitation: Invitation) -> None:
    """Render and queue the invitation's mail in the session's transaction (not committed)."""
    account, household = invitation.account, invitation.household
    named = {} if invitation.inviter is None else {"inviter": invitation.inviter}
    if invitation.token is None:  # the address has an account elsewhere: told, no link
        mailer.send(session, invitation.template, account.email, locale=account.locale,
                    household_id=account.household_id, household=household,
                    edition=household.edition, signin_url=mailer.absolute_url(
                        "public_links.request_link"), **named)
    else:
        mailer.send(session, invitation.template, account.email, household_id=household.id,
                    household=household, edition=household.edition, hours=links.INVITE_HOURS,
                    link=mailer.absolute_url("public_links.use_link", token=invitation.token),
                    **named)
