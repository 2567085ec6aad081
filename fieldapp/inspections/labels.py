"""What the inspection's stored codes are called on screen, in the user's language."""

from flask import current_app
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from fieldapp.inspections.outcome import MIN_SCAN_RATE, MIN_STAFF_APP_RATE

QR_POSTED_LABELS = {
    "visible": _l("Posted and visible at the entrance"),
    "hidden": _l("Posted but hard to see"),
    "damaged": _l("Damaged or unreadable"),
    "outdated": _l("Outdated (old Bluezone-era code)"),
    "missing": _l("No QR code posted"),
}
QR_MATCHES_LABELS = {
    "yes": _l("Yes, the venue's own code"),
    "no": _l("No, another or stale code"),
    "not_checked": _l("Not checked"),
}
CHECKIN_LABELS = {
    "visitors_scan": _l("Visitors scan the posted code"),
    "staff_scan": _l("Staff scan visitors' personal QR or ID card"),
    "both": _l("Both: visitors scan and staff scan"),
    "none": _l("Nobody checks people in"),
}
ACTION_LABELS = {
    "reminder": _l("Reminded the venue of its duties"),
    "poster_issued": _l("Issued a replacement poster"),
    "guided_registration": _l("Helped the venue register or renew its code"),
    "reinspection_scheduled": _l("Scheduled a re-inspection"),
}
OUTCOME_LABELS = {
    "compliant": _l("Compliant"),
    "needs_improvement": _l("Needs improvement"),
    "non_compliant": _l("Non-compliant"),
}
REASON_LABELS = {
    "no_checkin": _l("Nobody checks visitors in"),
    "qr_missing": _l("No QR code posted and no staff scanning"),
    "qr_not_own": _l("The posted code is not the venue's own"),
    "qr_missing_staff_scan": _l("No QR code posted (staff scan visitors instead)"),
    "qr_hidden": _l("QR code is hard to see"),
    "qr_damaged": _l("QR code is damaged or unreadable"),
    "qr_outdated": _l("QR code is outdated"),
    "qr_too_small": _l("Printed code is smaller than 15×15 cm"),
    "no_staff": _l("No staff assigned to make visitors scan"),
    "low_scan_rate": _l("Fewer than %(share)s of visitors scanned", share=f"{MIN_SCAN_RATE:.0%}"),
    "low_staff_app": _l(
        "Fewer than %(share)s of staff have PC-Covid", share=f"{MIN_STAFF_APP_RATE:.0%}"
    ),
    "no_paper_fallback": _l("No paper log for visitors without a smartphone"),
    "no_risk_assessment": _l("Risk self-assessment not done"),
}


def gps_warning_labels() -> dict[str, str]:
    """The GPS warnings in the user's language, with the limits the settings give
    (FIELDAPP_GPS_MAX_ACCURACY_M, FIELDAPP_GPS_MAX_DISTANCE_M)."""
    config = current_app.config
    return {
        "no_fix": _("No GPS position was recorded"),
        "low_accuracy": _(
            "GPS accuracy is worse than %(m)s m", m=format_decimal(config["GPS_MAX_ACCURACY_M"])
        ),
        "far_from_venue": _(
            "More than %(m)s m from the venue's registered position",
            m=format_decimal(config["GPS_MAX_DISTANCE_M"]),
        ),
    }


YES_NO = [("yes", _l("Yes")), ("no", _l("No"))]
YES_NO_UNKNOWN = [("yes", _l("Yes")), ("no", _l("No")), ("unknown", _l("Don't know"))]
