"""SQLAlchemy 2 typed models, one module per subject; every table is declared on
`tracker.models.base.Base` (one metadata, one Alembic history). Import them from here:
`from tracker.models import Household`."""
from __future__ import annotations

from sqlalchemy import func  # re-exported for services that count rows

from tracker.models.base import UTCDateTime, utcnow, Base
from tracker.models.editions import Edition, EditionSettings
from tracker.models.households import (Household, HouseholdSize, Absence, AcceptedMonth,
                                       HouseholdSettings)
from tracker.models.accounts import new_generation, Account, SignIn, ApiToken, LoginToken
from tracker.models.devices import Device, DeviceRate
from tracker.models.weighins import WeighIn, DeadLetter
from tracker.models.mail import OutgoingMail
from tracker.models.enrolment import Enrolment
from tracker.models.events import Event, EventRegistration
from tracker.models.news import Post
from tracker.models.teams import Team
from tracker.models.audit import AuditEntry
from tracker.models.aggregates import MonthlyAggregate
from tracker.models.talk import TalkMessage, TalkPreference, TalkQuestion

__all__ = ["UTCDateTime", "utcnow", "Base", "Edition", "EditionSettings", "Household",
           "HouseholdSize", "Absence", "AcceptedMonth", "HouseholdSettings", "new_generation",
           "Account", "SignIn", "ApiToken", "LoginToken", "Device", "DeviceRate", "WeighIn",
           "DeadLetter", "OutgoingMail", "Enrolment", "Event", "EventRegistration", "Post", "Team",
           "AuditEntry", "MonthlyAggregate", "TalkQuestion", "TalkMessage", "TalkPreference", "func"]
