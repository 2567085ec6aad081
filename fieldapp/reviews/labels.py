"""Review words on screen."""

from flask_babel import lazy_gettext as _l

REVIEW_LABELS = {
    "pending": _l("Awaiting review"),
    "approved": _l("Approved"),
    "returned": _l("Returned for correction"),
}
