"""What a password may be: 12 to 128 characters, not a common password, not the username.

No composition rules (OWASP ASVS 2.1): length and the list of common passwords do the work.
The same limits apply when a password is chosen (admin screen, own change, command line)
and when it is typed at log-in.
"""

from functools import cache
from pathlib import Path

from flask_babel import gettext as _

MIN_LENGTH = 12
MAX_LENGTH = 128
COMMON_PASSWORDS = Path(__file__).resolve().parent.parent / "common_passwords.txt"


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lower-cased, read once per process."""
    with COMMON_PASSWORDS.open(encoding="utf-8") as lines:
        return frozenset(
            line.strip() for line in lines if line.strip() and not line.startswith("#")
        )


def password_problem(password: str, username: str = "") -> str | None:
    """Why this password cannot be chosen (a sentence for the user), or None if it can."""
    if len(password) < MIN_LENGTH:
        return _("Use at least %(n)s characters.", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("Use at most %(n)s characters.", n=MAX_LENGTH)
    folded = password.strip().lower()
    if username and folded == username.strip().lower():
        return _("The password cannot be the username.")
    if folded in common_passwords():
        return _("This password is too common: choose another.")
    return None
