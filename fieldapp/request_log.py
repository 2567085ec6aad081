"""The log: one line per request, errors with their traceback, nothing secret.

With LOG_FORMAT = json (production's default), everything logged goes to standard output as
one JSON object a line: time, level, logger, message, the request's id when there is a
request, and the traceback of an error. Each request adds a line (logger
`fieldapp.requests`) with its id, the user's id, the method, the path, the status, the
duration in milliseconds and the client's address (behind a trusted proxy, the client's:
fieldapp/proxies.py).

Nothing secret is logged: the path is written without its query string (it may carry a
token), and neither the form, the cookies nor any header but the request id are read.
SQL errors leave out their parameters (config's `hide_parameters`).

The request id comes from the trusted proxy's X-Request-Id (nginx's `$request_id`), so its
log and the app's share it; without a trusted proxy the app makes one. Every answer carries
it in X-Request-Id.

With LOG_FORMAT = text (development's default) Flask's and the development server's usual
lines are kept: `flask run` prints one line per request itself, errors go to standard error
with their traceback.
"""

import json
import logging
import re
import sys
import uuid
from datetime import UTC, datetime

from flask import Flask, current_app, g, has_request_context, request
from flask.logging import default_handler

from fieldapp import clock
from fieldapp.config import SettingError
from fieldapp.database_lost import answered_user_id

REQUEST_ID_HEADER = "X-Request-Id"
# What a proxy's request id may look like (nginx's are 32 hex digits); anything else is
# replaced by one of the app's.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
FORMATS = ("json", "text")
REQUEST_FIELDS = ("user_id", "method", "path", "status", "duration_ms", "client")

requests_log = logging.getLogger("fieldapp.requests")


class JsonFormatter(logging.Formatter):
    """A log record as one line of JSON (also gunicorn's own lines: deploy/gunicorn.conf.py)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id is None and has_request_context():
            request_id = g.get("request_id")
        if request_id:
            entry["request_id"] = request_id
        for field in REQUEST_FIELDS:
            if hasattr(record, field):
                entry[field] = getattr(record, field)
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def request_id() -> str:
    """This request's id: the trusted proxy's X-Request-Id, else a new one."""
    if current_app.config["TRUSTED_PROXIES"]:
        sent = request.headers.get(REQUEST_ID_HEADER, "")
        if _REQUEST_ID.fullmatch(sent):
            return sent
    return uuid.uuid4().hex


def _begin() -> None:
    g.request_id = request_id()
    g.request_started = clock.stopwatch()


def _user_id() -> int | None:
    # Static files are answered without looking up who asks: do not make them do it here.
    if request.endpoint == "static":
        return None
    return answered_user_id()


def _end(response):
    started = g.get("request_started")
    identifier = g.get("request_id") or request_id()
    response.headers[REQUEST_ID_HEADER] = identifier
    requests_log.info(
        "%s %s %s",
        request.method,
        request.path,
        response.status_code,
        extra={
            "request_id": identifier,
            "user_id": _user_id(),
            "method": request.method,
            "path": request.path,  # never the query string: it may carry a token
            "status": response.status_code,
            "duration_ms": round(clock.elapsed_ms(started), 1) if started is not None else None,
            "client": request.remote_addr,
        },
    )
    return response


def _is_ours(handler: logging.Handler) -> bool:
    return getattr(handler, "fieldapp_json", False)


def log_json_to_stdout(app: Flask) -> None:
    """Send every log record (the app's, the libraries') to standard output as JSON, once
    per process however many apps are made."""
    root = logging.getLogger()
    for handler in [handler for handler in root.handlers if _is_ours(handler)]:
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    handler.fieldapp_json = True
    root.addHandler(handler)
    app.logger.removeHandler(default_handler)  # the app's errors go through the root's
    app.logger.setLevel(logging.INFO)


def init_request_log(app: Flask) -> None:
    """Give each request an id and a log line; set up the log's format. Called first, so
    that the id exists before any other hook can refuse the request."""
    log_format = str(app.config["LOG_FORMAT"]).strip().lower()
    if log_format not in FORMATS:
        raise SettingError(
            f"FIELDAPP_LOG_FORMAT={app.config['LOG_FORMAT']!r}: the setting LOG_FORMAT "
            "needs json or text."
        )
    app.before_request(_begin)
    app.after_request(_end)  # runs last of the after_request hooks: the final status
    if log_format == "json":
        log_json_to_stdout(app)
