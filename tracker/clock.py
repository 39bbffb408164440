"""The current time, in one place so tests can freeze it (`monkeypatch.setattr(clock, "now", ...)`)."""
import datetime as dt


def now() -> dt.datetime:
    """Now, time zone-aware, in UTC."""
    return dt.datetime.now(dt.timezone.utc)
