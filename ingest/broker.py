"""Moved to tracker/adapters/broker.py (issue 15): kept only because a zw-broker.service copied
to /etc/systemd/system before the move runs `from ingest.broker import broker_from_config` at
each broker start, and a deploy (docs/production.md) does not copy the units again. The repo's
unit names the new module; import from there."""
from tracker.adapters.broker import broker_from_config  # noqa: F401
