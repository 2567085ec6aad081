"""What a request may carry, checked before any route sees it.

- Text: every query and form value (and key) passes through `text.clean_text`, so NUL
  bytes and other control characters never reach a form, a query or the database.
- JSON: Flask-WTF reads a JSON body as the form's fields, so a JSON post must be an object
  of text values (or lists of text); anything else (an object for `uuid`, a number, a list
  at the top) is refused with a 400 that says so. Its text is cleaned the same way.
- Ids: `<int:...>` in a URL matches only numbers a database id can be (PostgreSQL's
  INTEGER): a 20-digit id is simply not found (404), not an overflow (500).
- Text in a URL: `<name>` matches only text that can be stored; a segment with a NUL byte
  or another control character is not found (404), never sent to the database
  (PostgreSQL refuses NUL bytes in a query).
"""

from flask import Flask, Request, abort, jsonify, request
from flask_babel import gettext as _
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter, UnicodeConverter, ValidationError

from fieldapp.fragments import MAX_ID, wants_json
from fieldapp.text import clean_text


class IdConverter(IntegerConverter):
    """`<int:...>` bounded to what an id column holds (fragments.MAX_ID)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


class TextConverter(UnicodeConverter):
    """`<name>` (and `<string:name>`): only text `clean_text` leaves as it is."""

    def to_python(self, value: str) -> str:
        if clean_text(value) != value:
            raise ValidationError()  # the rule does not match: 404
        return value


def _clean(value):
    return clean_text(value) if isinstance(value, str) else value


class CleanMultiDict(ImmutableMultiDict):
    """Query and form values with control characters removed as they are parsed."""

    def __init__(self, mapping=None):
        if mapping is None:
            super().__init__()
            return
        if hasattr(mapping, "items"):
            pairs = (
                mapping.items(multi=True)
                if hasattr(mapping, "getlist")
                else (
                    (key, item)
                    for key, value in mapping.items()
                    for item in (value if isinstance(value, list | tuple) else [value])
                )
            )
        else:
            pairs = mapping
        super().__init__([(_clean(key), _clean(value)) for key, value in pairs])


class CleanRequest(Request):
    """Mixed into the app's request class (htmx's, which knows `request.htmx`)."""

    parameter_storage_class = CleanMultiDict

    def get_json(self, force=False, silent=False, cache=True):
        data = super().get_json(force=force, silent=silent, cache=cache)
        return _clean_json(data)


def _clean_json(value):
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [_clean_json(item) for item in value]
    if isinstance(value, dict):
        return {_clean_json(key): _clean_json(item) for key, item in value.items()}
    return value


def _form_value(value) -> bool:
    return isinstance(value, str) or (
        isinstance(value, list) and all(isinstance(item, str) for item in value)
    )


def check_json_body():
    """Refuse (400) a JSON post that is not an object of text values: forms read it."""
    if request.method in ("GET", "HEAD", "OPTIONS") or not request.is_json:
        return None
    body = request.get_json(silent=True)
    if isinstance(body, dict) and all(_form_value(value) for value in body.values()):
        return None
    message = _(
        "The data sent is not understood: send an object whose values are text "
        "(or lists of text), or the form itself."
    )
    if body is None:
        message = _("The data sent is not valid JSON.")
    if wants_json():
        return jsonify(status="refused", title=_("Bad request"), message=message), 400
    abort(400)


def init_request_input(app: Flask) -> None:
    if not issubclass(app.request_class, CleanRequest):
        app.request_class = type("CleanRequest", (CleanRequest, app.request_class), {})
    app.url_map.converters["int"] = IdConverter
    app.url_map.converters["default"] = app.url_map.converters["string"] = TextConverter
    app.before_request(check_json_body)
