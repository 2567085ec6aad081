"""Security headers on every response, in one place.

- Content-Security-Policy: scripts, styles, fonts and connections from this site only (no
  inline script, no eval: htmx is told so in base.html's htmx-config; the templates carry no
  inline script, event handler or style). Images also from `data:` (Leaflet's and the CSS's
  small icons) and `blob:` (the photos a phone has queued, shown from its own storage), and
  from the map's tile server when MAP_TILE_URL is set. No framing (`frame-ancestors 'none'`).
- X-Content-Type-Options: nosniff; Referrer-Policy: strict-origin-when-cross-origin (this
  site's own posts still carry the full Referer, which Flask-WTF's HTTPS check and
  auth/same_origin.py read).
- Strict-Transport-Security only on a request that came over HTTPS (`HSTS_MAX_AGE`).
- Cache-Control: no-store on everything a logged-in user is answered, except the
  fingerprinted static files: the browser's HTTP cache would keep personal pages, photos and
  PDFs on the phone after logout. The pages meant for use offline are kept by the service
  worker in its own cache (the Cache API does not obey Cache-Control), which offline.js and
  sw.js tie to the user and clear at logout.
"""

import functools
import re
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request

from fieldapp.database_lost import answered_user_id

_PLACEHOLDER = re.compile(r"\{[^}]*\}")


def tile_source(tile_url: str) -> str | None:
    """The CSP source of a Leaflet tile URL: its scheme and host, a `{s}` subdomain as `*`."""
    if not tile_url:
        return None
    parts = urlsplit(_PLACEHOLDER.sub("*", tile_url))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


@functools.lru_cache(maxsize=16)
def content_security_policy(tile_url: str = "") -> str:
    images = ["'self'", "data:", "blob:"]
    tiles = tile_source(tile_url)
    if tiles:
        images.append(tiles)
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": " ".join(images),
        "font-src": "'self'",
        "connect-src": "'self'",
        "worker-src": "'self'",
        "manifest-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def add_security_headers(response: Response) -> Response:
    config = current_app.config
    headers = response.headers
    headers["Content-Security-Policy"] = content_security_policy(config["MAP_TILE_URL"])
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    headers["X-Frame-Options"] = "DENY"  # frame-ancestors for browsers without CSP level 2
    if request.is_secure and config["HSTS_MAX_AGE"]:
        headers["Strict-Transport-Security"] = f"max-age={int(config['HSTS_MAX_AGE'])}"
    if request.endpoint != "static" and answered_user_id() is not None:
        headers["Cache-Control"] = "no-store"
        headers.pop("Expires", None)
    return response


def init_headers(app: Flask) -> None:
    app.after_request(add_security_headers)
