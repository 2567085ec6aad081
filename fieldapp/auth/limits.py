"""What a client refused by a rate limit (Flask-Limiter's 429) is told: how long to wait."""

from flask import jsonify
from flask_babel import ngettext

from fieldapp import clock
from fieldapp.extensions import limiter


def wait_seconds() -> int:
    """Seconds until the limit that refused this request lets it through again."""
    limit = limiter.current_limit
    if limit is None:
        return 60
    return max(1, limit.reset_at - int(clock.now().timestamp()))


def wait_message(seconds: int) -> str:
    minutes = max(1, round(seconds / 60))
    return ngettext(
        "Too many attempts. Try again in %(num)s minute.",
        "Too many attempts. Try again in %(num)s minutes.",
        minutes,
    )


def limited_json(seconds: int):
    """The JSON answer (the outbox keeps what it holds and tries again after Retry-After)."""
    message = wait_message(seconds)
    return (
        jsonify(status="limited", retry_after=seconds, message=message),
        429,
        {"Retry-After": str(seconds)},
    )
