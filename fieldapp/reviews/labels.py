"""Review and audit words on screen."""
from flask_babel import lazy_gettext as _l

REVIEW_LABELS = {
    "pending": _l("Awaiting review"),
    "approved": _l("Approved"),
    "returned": _l("Returned for correction"),
}
def field_label(name: str) -> str:
    """What an audited field is called on screen: the form's own question where it has one."""
    from fieldapp.inspections.forms import InspectionForm
    from fieldapp.venues.forms import VenueForm
    extra = {
        "outcome": _l("Outcome"), "review_state": _l("Review"),
        "review_comment": _l("Review comment"), "gps_accuracy_m": _l("GPS accuracy (m)"),
        "latitude": _l("Latitude"), "longitude": _l("Longitude"), "code": _l("Venue code"),
        "is_active": _l("Open"),
    }
    if name in extra:
        return str(extra[name])
    for form in (InspectionForm, VenueForm):
        unbound = getattr(form, name, None)
        if unbound is not None and unbound.args:
            return str(unbound.args[0])
    return name


AUDIT_ACTION_LABELS = {
    "create": _l("Recorded"),
    "edit": _l("Corrected"),
    "review": _l("Reviewed"),
    "delete": _l("Deleted"),
}
