"""What the service worker needs to keep its page cache to one user's valid session.

Every response to a logged-in user names them in `X-Fieldapp-User`: a page answered for
someone else (a login as another user) or for nobody (a redirect to the login, a 401)
makes the worker drop the pages it kept.

Offline the worker cannot ask the server, and the session cookie is HttpOnly; so a
companion cookie, `fieldapp_user` (the user's id, nothing secret), lives exactly as long as
the login on this phone: set with the session (and for as long as the remember-me cookie
when there is one), removed at logout or when the server answers someone who is no longer
logged in. Cookies cleared or expired: it is gone too, and the worker shows no kept page.
"""

from flask import Response, current_app, g, request, session
from flask_login.config import COOKIE_DURATION

from fieldapp.database_lost import answered_user_id

USER_HEADER = "X-Fieldapp-User"
USER_COOKIE = "fieldapp_user"


def _remembered() -> bool:
    name = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    return session.get("_remember") == "set" or name in request.cookies


def mark_session(response: Response) -> Response:
    """Name the user on the response and keep the phone's cookie in step with the login.

    Left alone when the login could not be read (the database was lost: database_lost.py):
    nobody is known, which is not nobody logged in."""
    if request.endpoint == "static" or g.get("login_unknown"):
        return response
    user_id = answered_user_id()
    if g.get("login_unknown"):
        return response
    # As the session cookie: Secure over HTTPS, or whenever the setting says the site is.
    secure = request.is_secure or bool(current_app.config.get("SESSION_COOKIE_SECURE"))
    if user_id is not None:
        user = str(user_id)
        response.headers[USER_HEADER] = user
        if request.cookies.get(USER_COOKIE) == user and not session.modified:
            # Already on the phone, for this login: set again only when the session is
            # (at log-in), so an ordinary answer carries no cookie at all.
            return response
        remembered = current_app.config.get("REMEMBER_COOKIE_DURATION", COOKIE_DURATION)
        lifetime = remembered if _remembered() else None
        response.set_cookie(
            USER_COOKIE,
            user,
            max_age=lifetime,
            secure=secure,
            httponly=False,  # read by the service worker, which cannot see the session cookie
            samesite="Lax",
        )
    elif USER_COOKIE in request.cookies:
        response.delete_cookie(USER_COOKIE, secure=secure, samesite="Lax")
    return response
