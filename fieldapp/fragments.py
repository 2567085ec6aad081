"""One URL, two representations: a whole page, or the fragment htmx swaps in."""

from flask import request


def wants_fragment() -> bool:
    """True for htmx requests that swap a piece of a page.

    Boosted requests and history restores want the whole page.
    """
    return (
        bool(request.htmx) and not request.htmx.boosted and not request.htmx.history_restore_request
    )


def wants_json() -> bool:
    """True for the phone's outbox, which asks for JSON answers instead of pages."""
    accept = request.accept_mimetypes
    # Explicitly preferred: "*/*" (curl, a bare fetch) still gets pages.
    return accept["application/json"] > accept["text/html"]


# The largest record id: PostgreSQL's INTEGER (SQLite's is larger). Ids in URLs
# (request_input.IdConverter) and in queries and forms (id_param) stay below it.
MAX_ID = 2**31 - 1


def id_param(value: str | None) -> int | None:
    """A record id or page number typed in a URL or form: a plain positive integer, or None.

    str.isdigit() accepts "²" and int() then fails; huge numbers overflow the database.
    """
    value = (value or "").strip()
    if value.isascii() and value.isdigit() and len(value) <= len(str(MAX_ID)):
        number = int(value)
        return number if 0 < number <= MAX_ID else None
    return None
