"""Browsers an account has logged in on before: they get a budget of failed log-ins of
their own.

The limit on failed log-ins per account stops anyone guessing its password; alone, it also
lets anyone who knows a username keep its owner out (five wrong passwords a minute, and the
right one waits too). So a browser where the account logged in before carries a signed
cookie naming it (OWASP's "device cookies"): its log-ins for that account count apart from
the world's, and a stranger's guesses lock only strangers out. The cookie is signed with the
app's secret and names accounts by a keyed hash, not by their usernames.
"""

import hashlib
import hmac
import secrets

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

DEVICE_COOKIE = "fieldapp_device"
DEVICE_DAYS = 365
# A shared phone remembers its last few accounts; an older one counts as a stranger again.
ACCOUNTS_KEPT = 5


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="fieldapp-device")


def _account_mark(username: str) -> str:
    """The account as the cookie names it: a keyed hash of its username as typed at log-in
    (trimmed, lower case), so the cookie does not list who used the phone."""
    key = current_app.secret_key
    key = key.encode() if isinstance(key, str) else key
    name = username.strip().lower()[:50].encode()
    return hmac.new(key, name, hashlib.sha256).hexdigest()[:20]


def _read() -> dict | None:
    """The cookie's contents, if it is one of ours and not too old."""
    cookie = request.cookies.get(DEVICE_COOKIE)
    if not cookie:
        return None
    try:
        found = _signer().loads(cookie, max_age=DEVICE_DAYS * 86400)
    except BadSignature:
        return None
    if not isinstance(found, dict) or not isinstance(found.get("accounts"), list):
        return None
    return found


def known_device(username: str) -> str | None:
    """This browser's id if the account with this username logged in on it before."""
    found = _read()
    if found and _account_mark(username) in found["accounts"]:
        return str(found.get("device", ""))[:32] or None
    return None


def remember_device(response, username: str) -> None:
    """After a log-in: the browser now counts as known for this account."""
    found = _read() or {}
    device = str(found.get("device") or secrets.token_urlsafe(12))[:32]
    mark = _account_mark(username)
    accounts = [mark] + [a for a in found.get("accounts", []) if a != mark]
    response.set_cookie(
        DEVICE_COOKIE,
        _signer().dumps({"device": device, "accounts": accounts[:ACCOUNTS_KEPT]}),
        max_age=DEVICE_DAYS * 86400,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )
