"""Errors mapped in one place: JSON for the API, a friendly French page for people."""
from __future__ import annotations

from flask import Flask, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from tracker.domain import DomainError, NotFound


def wants_json() -> bool:
    return request.path.startswith("/api/")


def _too_large() -> str:
    limit = (current_app.config.get("MAX_CONTENT_LENGTH") or 0) // 1024
    return _("What was sent is too large (%(kib)s KiB at most).", kib=limit)


def init_app(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        status = 404 if isinstance(exc, NotFound) else 422
        if wants_json():
            return jsonify(code=status, status="Not Found" if status == 404 else
                           "Unprocessable Entity",
                           errors={"json": {exc.field or "_schema": [str(exc.message)]}}), status
        return render_template("error.html", code=status, message=str(exc.message)), status

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        message = _("The form has expired or was not sent from this site. Please try again.")
        if wants_json():
            return jsonify(code=400, status="Bad Request", message=exc.description), 400
        return render_template("error.html", code=400, message=message), 400

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if wants_json():
            body = {"code": exc.code, "status": exc.name}
            data = getattr(exc, "data", None)
            if data and "messages" in data:
                from tracker.schemas import messages_as_text

                body["errors"] = messages_as_text(data["messages"])
            elif exc.code == 413:
                body["message"] = _too_large()
            elif exc.description:
                body["message"] = exc.description
            return jsonify(body), exc.code
        messages = {404: _("This page does not exist or is not yours to see."),
                    403: _("You are not allowed to see this page."),
                    429: _("Too many attempts. Please wait a minute and try again."),
                    400: _("What was sent could not be read: a value is malformed or too "
                           "long. Go back, check it and try again."),
                    413: _too_large()}
        message = messages.get(exc.code, exc.name)
        return render_template("error.html", code=exc.code, message=message), exc.code
