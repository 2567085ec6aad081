"""Poster words on screen, in the user's language."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from fieldapp.models import PosterBatch
from fieldapp.venues.labels import VENUE_TYPE_LABELS

POSTER_REASON_LABELS = {
    "missing": _l("Code missing"),
    "damaged": _l("Code damaged"),
    "outdated": _l("Code outdated"),
    "not_own": _l("Not the venue's own code"),
    "other": _l("Other reason"),
}
POSTER_STATE_LABELS = {
    "queued": _l("In the print queue"),
    "printed": _l("Printed"),
    "delivered": _l("Delivered"),
}
BATCH_STATE_LABELS = {
    "waiting": _l("Waiting"),
    "running": _l("Being made"),
    "done": _l("Ready"),
    "failed": _l("Failed"),
    "stuck": _l("Stopped"),
}
SCAN_VERDICT_LABELS = {
    "own": _l("The venue's own code"),
    "other_venue": _l("Another venue's code"),
    "unknown": _l("Unknown code"),
    "unreadable": _l("Could not be read"),
}


def batch_title(batch: PosterBatch) -> str:
    """A print batch's title in the reader's language, from what was chosen: "Print queue
    (3 posters)", "Posters: Sơn Hà, Schools, needing a new one (12)"."""
    if batch.of_print_queue:
        return _("Print queue (%(n)s posters)", n=batch.total)
    chosen = [batch.commune.name if batch.commune else _("whole district")]
    if batch.venue_type:
        chosen.append(str(VENUE_TYPE_LABELS.get(batch.venue_type, batch.venue_type)))
    if batch.flagged:
        chosen.append(_("needing a new poster"))
    return _("Posters: %(what)s (%(n)s)", what=", ".join(chosen), n=batch.total)
