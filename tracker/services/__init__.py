"""The service layer: every entry point (web form, REST API, CSV import, MQTT ingest) calls these.

Functions take a SQLAlchemy session and domain values already decoded by the schemas; they
check the domain rules, change the database, and raise `tracker.domain.DomainError` when a rule
refuses. They never commit: the caller owns the transaction (one per request, file or batch).
"""
from tracker.services.accounts import authenticate, create_account, issue_api_token, \
    account_for_token, set_password, change_password
from tracker.services.editions import create_edition, get_edition
from tracker.services.households import create_household, get_household, set_household_size
from tracker.services.weighins import (correct_weighin, delete_weighin, get_weighin,
                                       list_weighins, record_weighin, review_weighin,
                                       stream_median)

__all__ = [
    "authenticate", "create_account", "issue_api_token", "account_for_token", "set_password",
    "change_password",
    "create_edition", "get_edition", "create_household", "get_household", "set_household_size",
    "correct_weighin", "delete_weighin", "get_weighin", "list_weighins", "record_weighin",
    "review_weighin", "stream_median",
]
