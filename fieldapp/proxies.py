"""Behind reverse proxies (nginx, a load balancer): whom to believe about the client.

With TRUSTED_PROXIES = n (FIELDAPP_TRUSTED_PROXIES; 0, the default, trusts none), werkzeug's
ProxyFix takes the client's address, the scheme and the host from the n nearest entries of
X-Forwarded-For, X-Forwarded-Proto and X-Forwarded-Host. So `request.remote_addr` (the log-in
limits per address, the audit trail's address, the log), `request.is_secure` (HSTS,
Flask-WTF's HTTPS Referer check) and `request.host_url` (the same-origin check) are the
client's, not the proxy's. X-Forwarded-Port and X-Forwarded-Prefix are not read: the
proxy's X-Forwarded-Host carries the port the client used (nginx's `$http_host`).
A header from a client that came through no trusted proxy is never read.
"""

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from fieldapp.config import SettingError


def trusted_proxies(app: Flask) -> int:
    """How many proxies stand in front of the app (0: the app is reached directly)."""
    count = app.config["TRUSTED_PROXIES"]
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise SettingError(
            f"FIELDAPP_TRUSTED_PROXIES={count!r}: the setting TRUSTED_PROXIES needs a whole "
            "number, 0 or more (how many proxies stand in front of the app)."
        )
    return count


def trust_proxies(app: Flask) -> None:
    """Read the client's address, scheme and host from the trusted proxies' headers."""
    count = trusted_proxies(app)
    if count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
