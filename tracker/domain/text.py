"""`_l`: the domain's messages, translated on pages when Flask-Babel is there, plain strings for
the ingest and the bridge (which run without Flask)."""
from __future__ import annotations

try:
    from flask_babel import lazy_gettext as _l
except ImportError:  # pragma: no cover - the edge box has no Flask
    def _l(text, **kwargs):
        return text % kwargs if kwargs else text

__all__ = ["_l"]
