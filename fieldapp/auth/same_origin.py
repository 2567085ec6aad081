"""A same-origin check on every state-changing request.

CSRF tokens live as long as the session (a finding queued offline for hours must
still be accepted), so a browser-supplied Origin or Referer from another site is
refused as well, which a forged cross-site request cannot hide. And after a form, only
a ?next= on this site is followed.
"""

from urllib.parse import urlsplit

from flask import abort, current_app, request, url_for

SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}


def safe_next(target: str | None) -> str:
    """Only follow a ?next= that stays on this site."""
    if target:
        parts = urlsplit(target)
        if (
            not parts.scheme
            and not parts.netloc
            and target.startswith("/")
            and not target.startswith("//")
        ):
            return target
    return url_for("home.index")


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def check_same_origin() -> None:
    """Refuse (400) an unsafe request whose Origin, or else Referer, is another site."""
    if request.method in SAFE_METHODS:
        return
    claimed = request.headers.get("Origin") or request.headers.get("Referer")
    if not claimed or claimed == "null":
        # Some privacy settings strip both headers; the CSRF token still protects.
        return
    allowed = {_origin_of(request.host_url)} | {
        origin.lower().rstrip("/") for origin in current_app.config["TRUSTED_ORIGINS"]
    }
    if _origin_of(claimed) not in allowed:
        abort(400)
