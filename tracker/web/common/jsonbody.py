"""The one JSON loader for request bodies: what Python's `json` would crash on is a 400.

`json.loads` raises ValueError on an integer of more than 4,300 digits (Python 3.11's limit on
int conversion), RecursionError on arrays or objects nested a thousand deep, and accepts `NaN`
and `Infinity`, which are not JSON. A request body is read through `loads` below, both by
Flask (`request.get_json`, through the app's JSON provider) and by the API's argument parser
(webargs, through `ApiBlueprint`): each of these is a `JSONDecodeError`, answered 400 with the
reason, never a 500. The body's size is bounded before (MAX_CONTENT_LENGTH).
"""
from __future__ import annotations

import json
import math

from flask.json.provider import DefaultJSONProvider
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint
from webargs import core
from webargs.flaskparser import FlaskParser, abort, is_json_request

#: Arrays and objects nested deeper than this are refused (our bodies nest two levels).
MAX_DEPTH = 32
#: Digits of a JSON number (ids, counters and weights need far fewer).
MAX_DIGITS = 64


class _Refused(ValueError):
    pass


def _number_text(text: str) -> None:
    if len(text) > MAX_DIGITS:
        raise _Refused(str(_l("A number has more than %(n)s digits.", n=MAX_DIGITS)))


def _int(text: str) -> int:
    _number_text(text)
    return int(text)


def _float(text: str) -> float:
    _number_text(text)
    value = float(text)
    if not math.isfinite(value):  # 1e400 reads as infinity
        raise _Refused(str(_l("A number is too large.")))
    return value


def _constant(name: str):
    raise _Refused(str(_l("%(name)s is not a JSON number.", name=name)))


def _depth(value) -> int:
    """How deep arrays and objects nest in `value` (iteratively: no recursion to exhaust)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (list, dict)):
            deepest = max(deepest, depth)
            if deepest > MAX_DEPTH:
                return deepest
            stack.extend((v, depth + 1) for v in (item.values() if isinstance(item, dict)
                                                  else item))
    return deepest


def loads(data: str | bytes):
    """Parse a request body; a `json.JSONDecodeError` with the reason for anything refused."""
    if isinstance(data, (bytes, bytearray)):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise json.JSONDecodeError(str(_l("The body is not UTF-8.")),
                                       data.decode("utf-8", "replace"), exc.start) from None
    try:
        value = json.loads(data, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except _Refused as exc:
        raise json.JSONDecodeError(str(exc), data, 0) from None
    except RecursionError:
        value = None
        deep = True
    else:
        deep = _depth(value) > MAX_DEPTH
    if deep:
        raise json.JSONDecodeError(str(_l("Arrays and objects are nested more than %(n)s deep.",
                                          n=MAX_DEPTH)), data, 0)
    return value


class JSONProvider(DefaultJSONProvider):
    """The app's JSON: `loads` above for what comes in; dumping is Flask's."""

    def loads(self, s, **kwargs):
        return loads(s)


class _Parser(FlaskParser):
    """webargs' parser for the API, reading bodies with `loads` and saying why one is refused."""

    def _raw_load_json(self, req):
        if not is_json_request(req):
            return core.missing
        return loads(req.get_data(cache=True))

    def _handle_invalid_json_error(self, error, req, *args, **kwargs):
        reason = getattr(error, "msg", "") or str(error)
        abort(400, exc=error, messages={"json": [f"{_l('Invalid JSON body.')} {reason}"]})


class ApiBlueprint(Blueprint):
    """flask-smorest's Blueprint with the parser above."""

    ARGUMENTS_PARSER = _Parser()


def init_app(app) -> None:
    app.json = JSONProvider(app)
