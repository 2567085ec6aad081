"""WTForms' own messages ("This field is required.", "Not a valid choice.", "Not a valid
integer value." ...) in the user's language, from the app's catalogue.

Flask-WTF translates them (`WTF_I18N_ENABLED`, on by default) from WTForms' catalogues,
which have no Vietnamese. Every form is a `FlaskForm`, whose translations come from
Flask-WTF's `i18n.Translations`: it reads the catalogue of the request from
`request.wtforms_translations` (where it keeps the one it loaded) before loading WTForms'
own. Giving every request the app's catalogue there translates every form, present and
future, with no base class to remember; the messages are translated in `messages.po` like
the app's, and `tests/test_forms_vietnamese.py` checks each of WTForms' messages has its
Vietnamese (so an upgrade adding one cannot slip) and that a form really shows it.
"""

from flask import Flask, request
from flask_babel import get_translations


class AppCatalogue:
    """What Flask-WTF asks for a message: the app's catalogue for the request's language,
    looked up when the message is, so the language chosen for the request is the one used."""

    def ugettext(self, string: str) -> str:
        return get_translations().ugettext(string)

    def ungettext(self, singular: str, plural: str, n: int) -> str:
        return get_translations().ungettext(singular, plural, n)


APP_CATALOGUE = AppCatalogue()


def init_form_messages(app: Flask) -> None:
    """Make every form of every request take WTForms' messages from the app's catalogue."""
    app.config.setdefault("WTF_I18N_ENABLED", True)

    @app.before_request
    def forms_speak_the_users_language():
        request.wtforms_translations = APP_CATALOGUE
