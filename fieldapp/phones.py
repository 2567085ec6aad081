"""How a phone number is written: the one rule for a venue's contact, a finding's staff
member and a citizen's report (the forms, the venue registry's import).

Digits with spaces or dots, an optional leading +, 9 to 15 digits in all.
"""

import re

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

PHONE = re.compile(r"^\+?[0-9][0-9 .]{7,18}[0-9]$")
PHONE_MESSAGE = _l("Enter a phone number of 9 to 15 digits.")


def phone_digits(typed: str | None) -> str | None:
    """A typed phone number without its spaces and dots, "" for none, None when it is not a
    phone number."""
    typed = (typed or "").strip()
    if not typed:
        return ""
    if not PHONE.match(typed):
        return None
    digits = re.sub(r"[ .]", "", typed)
    return digits if 9 <= len(digits.lstrip("+")) <= 15 else None


def phone_from_sheet(text: str) -> str:
    """A phone number as a spreadsheet gives it: Excel keeps a number typed as 0912 333 555
    as 912333555, so 9 or 10 bare digits not starting with 0 get their 0 back (a Vietnamese
    number has 10 or 11 digits with its 0; written with the country code, 84 and 9 or 10
    more: 11 or 12 digits, left as they are)."""
    text = text.strip()
    if text.isascii() and text.isdigit() and len(text) in (9, 10) and text[0] != "0":
        return "0" + text
    return text


class PhoneNumber:
    """A form's check of an optional phone number field (empty passes)."""

    def __init__(self, message=PHONE_MESSAGE):
        self.message = message

    def __call__(self, form, field) -> None:
        if field.data and phone_digits(field.data) is None:
            raise ValidationError(self.message)
