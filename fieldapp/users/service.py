"""Accounts: the rules shared by the admin screen and the command line.

Each function changes the user and flushes; the caller commits. A refusal is an
`AccountProblem` naming the field it is about and saying why, for the form or the CLI.
"""

import re
import secrets

from flask_babel import gettext as _
from sqlalchemy import select

from fieldapp.access import SCREEN_SCOPES
from fieldapp.audit import record_event
from fieldapp.auth.passwords import password_problem
from fieldapp.extensions import db
from fieldapp.models import District, Role, Scope, User

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,49}$")
# Letters and digits that cannot be mistaken for one another when read off a screen.
ONE_TIME_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
ONE_TIME_LENGTH = 16


class AccountProblem(ValueError):
    """A refusal: the form field it is about, why, and whether it clashes with another
    account (a taken username) rather than being badly typed."""

    def __init__(self, field: str, message: str, conflict: bool = False):
        super().__init__(message)
        self.field, self.message, self.conflict = field, message, conflict


def scope_problem(role: str, scope: str) -> str | None:
    if scope == Scope.PROVINCE.value and role != Role.SUPERVISOR.value:
        return _("Only supervisors can see a whole province.")
    if scope == Scope.COUNTRY.value and role != Role.SUPERVISOR.value:
        return _("Only supervisors can see the whole country.")
    return None


def _check_screen_scope(scope: str) -> None:
    """Refuse, from the accounts screen, a scope only the command line may give: the screen
    gives access.SCREEN_SCOPES only (a district's), so that an admin of one district can
    give no one a province or the whole country (`flask create-user --scope` can)."""
    if scope not in SCREEN_SCOPES:
        raise AccountProblem(
            "scope",
            _(
                "From this screen an account sees its district only. An account that sees "
                "a whole province or the whole country is made at the command line "
                "(flask create-user --scope)."
            ),
        )


def _check_scope(role: str, scope: str) -> None:
    if role not in {r.value for r in Role}:
        raise AccountProblem("role", _("Unknown role."))
    if scope not in {s.value for s in Scope}:
        raise AccountProblem("scope", _("Unknown scope."))
    problem = scope_problem(role, scope)
    if problem:
        raise AccountProblem("scope", problem)


def choose_password(user: User, password: str) -> None:
    """A new password chosen by the user (or typed at the command line): the rules apply,
    and every session of the user ends."""
    problem = password_problem(password, user.username)
    if problem:
        raise AccountProblem("password", problem)
    user.set_password(password)
    user.must_change_password = False
    db.session.flush()


def create_user(
    username: str,
    display_name: str,
    role: str,
    district: District,
    password: str,
    scope: str = Scope.DISTRICT.value,
) -> User:
    """A new account; the username is kept lower-case."""
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise AccountProblem(
            "username", _("Use 2 to 50 lower-case letters, digits, '.', '_' or '-'.")
        )
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise AccountProblem("username", _("This username is taken."), conflict=True)
    _check_scope(role, scope)
    user = User(
        username=username,
        display_name=display_name.strip() or username,
        role=role,
        district=district,
        scope=scope,
        locale="vi",
        is_enabled=True,
    )
    choose_password(user, password)
    db.session.add(user)
    db.session.flush()
    return user


def edit_user(user: User, display_name: str, role: str, scope: str) -> None:
    """Change the name, role and scope (from the admin screen); a changed role or scope ends
    the user's sessions, so their pages and menus follow at once."""
    _check_screen_scope(scope)
    _check_scope(role, scope)
    if not display_name.strip():
        raise AccountProblem("display_name", _("Enter a name."))
    if (role, scope) != (user.role, user.scope):
        user.end_sessions()
    user.display_name = display_name.strip()[:100]
    user.role, user.scope = role, scope
    db.session.flush()


def set_enabled(user: User, enabled: bool) -> None:
    """Disable (every session ends) or re-enable an account."""
    if not enabled:
        user.end_sessions()
    user.is_enabled = enabled
    db.session.flush()


def account_fields(user: User) -> dict:
    """What an account change audits, before and after (never a password)."""
    return {"display_name": user.display_name, "role": user.role, "scope": user.scope}


def record_account_event(
    action: str, user: User, by: User | None, before: dict | None = None, **detail
) -> None:
    """Audit a change of an account (created, edited, disabled, enabled, a password changed
    or reset) under the account's district; `by` is who did it (None from the command line,
    where `detail` says who ran it). The caller commits."""
    after = account_fields(user)
    before = before or {}
    record_event(
        action,
        by,
        entity="user",
        entity_id=user.id,
        changes={k: [before.get(k), v] for k, v in after.items() if before and before[k] != v},
        detail={"username": user.username, **detail},
        district_id=user.district_id,
    )


def one_time_password() -> str:
    return "".join(secrets.choice(ONE_TIME_ALPHABET) for _ in range(ONE_TIME_LENGTH))


def create_user_with_one_time_password(
    username: str, display_name: str, role: str, district: District, scope: str
) -> tuple[User, str]:
    """A new account (from the admin screen) whose first log-in asks for a new password."""
    _check_screen_scope(scope)
    one_time = one_time_password()
    user = create_user(username, display_name, role, district, one_time, scope)
    user.must_change_password = True
    db.session.flush()
    return user, one_time


def reset_password(user: User) -> str:
    """Give the user a one-time password, returned to be shown once; they must choose their
    own at their next log-in. Every session of the user ends."""
    one_time = one_time_password()
    user.set_password(one_time)
    user.must_change_password = True
    db.session.flush()
    return one_time
