"""The admin's forms for accounts, and everyone's form for their own password."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import EqualTo, InputRequired, Length

from fieldapp.access import SCREEN_SCOPES
from fieldapp.auth.passwords import MAX_LENGTH, MIN_LENGTH
from fieldapp.users.labels import ROLE_LABELS, SCOPE_LABELS


class EditUserForm(FlaskForm):
    display_name = StringField(
        _l("Full name"), validators=[InputRequired(_l("Enter a name.")), Length(max=100)]
    )
    role = SelectField(_l("Role"), choices=list(ROLE_LABELS.items()))
    # Any other value posted is refused by users.service with a message under the field.
    scope = SelectField(
        _l("Sees"),
        choices=[(scope, SCOPE_LABELS[scope]) for scope in SCREEN_SCOPES],
        validate_choice=False,
    )


class NewUserForm(EditUserForm):
    username = StringField(
        _l("Username"),
        validators=[InputRequired(_l("Enter a username.")), Length(max=50)],
    )
    district_id = SelectField(_l("District"), coerce=int, validate_choice=True)


class PasswordForm(FlaskForm):
    current = PasswordField(
        _l("Current password"),
        validators=[InputRequired(_l("Enter your current password.")), Length(max=MAX_LENGTH)],
    )
    new = PasswordField(
        _l("New password"),
        validators=[
            InputRequired(_l("Enter a new password.")),
            Length(max=MAX_LENGTH, message=_l("Use at most %(max)d characters.")),
        ],
        description=_l(
            "At least %(n)s characters. A few words you remember are better than a short "
            "code; common passwords are refused.",
            n=MIN_LENGTH,
        ),
    )
    again = PasswordField(
        _l("New password again"),
        validators=[
            InputRequired(_l("Type the new password again.")),
            EqualTo("new", _l("The two new passwords differ.")),
        ],
    )
