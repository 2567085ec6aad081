"""What a password may be: 12 to 128 characters, not a common password, not the username.

No composition rules (OWASP ASVS 2.1): length and the list of common passwords do the work,
with what the list alone misses at twelve characters and more (it has few that long): a
common word padded with digits or signs ("iloveyou2021!"), a run of keys ("123456789012"),
a few characters repeated ("aaaaaaaaaaaa"), the username inside it, and the demo password
the README publishes.
The same limits apply when a password is chosen (admin screen, own change, command line)
and when it is typed at log-in.
"""

import re
import unicodedata
from functools import cache
from pathlib import Path

from flask_babel import gettext as _

from fieldapp.text import fold

MIN_LENGTH = 12
MAX_LENGTH = 128
COMMON_PASSWORDS = Path(__file__).resolve().parent.parent / "common_passwords.txt"
# Published in the README for the demo accounts: never a real one's.
DEMO_PASSWORD = "quanson-demo-2021"
# Rows of keys and counting, forwards and backwards: a password inside one is no secret.
RUNS = (
    "01234567890123456789",
    "abcdefghijklmnopqrstuvwxyz",
    "qwertyuiopasdfghjklzxcvbnm",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
    "qazwsxedcrfvtgbyhnujmikolp",
)
FEWEST_DIFFERENT = 5
# What padding around a common word looks like: digits, signs, spaces.
PADDING = re.compile(r"^[\W\d_]+|[\W\d_]+$")


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lower-cased, read once per process."""
    with COMMON_PASSWORDS.open(encoding="utf-8") as lines:
        return frozenset(
            line.strip() for line in lines if line.strip() and not line.startswith("#")
        )


def password_problem(password: str, username: str = "") -> str | None:
    """Why this password cannot be chosen (a sentence for the user), or None if it can."""
    password = unicodedata.normalize("NFC", password)  # as it is hashed (models/user.py)
    folded = password.strip().lower()
    if len(folded) < MIN_LENGTH:  # spaces around it do not count
        return _("Use at least %(n)s characters.", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("Use at most %(n)s characters.", n=MAX_LENGTH)
    name = username.strip().lower()
    if name and folded == name:
        return _("The password cannot be the username.")
    if name and len(name) >= 4 and name in folded:
        return _("The password cannot contain the username.")
    if len(set(folded)) < FEWEST_DIFFERENT:
        return _("Use more different characters: this password repeats a few.")
    # As people type a passphrase: with spaces between its words, with or without marks.
    bare = "".join(fold(folded).split())
    if re.fullmatch(r"(.+?)\1+", bare):
        return _("A word said twice is easy to guess: choose another password.")
    if _guessable(bare):
        return _("This password is too common: choose another.")
    return None


def _guessable(bare: str) -> bool:
    """A common password (without marks or spaces), alone or padded with digits and signs;
    a run of keys; the demo's."""
    if bare == "".join(fold(DEMO_PASSWORD).split()):
        return True
    common = common_passwords()
    if bare in common or PADDING.sub("", bare) in common:
        return True
    return any(bare in run or bare in run[::-1] for run in RUNS)
