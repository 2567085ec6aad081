"""Report words on screen, in the user's language (the notice itself is Vietnamese)."""

from flask_babel import lazy_gettext as _l

MEASURE_LABELS = {
    "scans": _l("Total scans"),
    "venues_with_qr": _l("Venues with a QR code"),
    "install_rate": _l("PC-Covid installs per smartphone"),
    "compliant_share": _l("Share of inspected venues compliant"),
    "qr_visible_share": _l("Share with the QR code posted visibly"),
    "staff_share": _l("Share with staff assigned to scanning"),
    "scan_rate": _l("Observed scan rate (scanned / seen)"),
}
# What a report is of (an export's level in the audit trail).
LEVEL_LABELS = {
    "district": _l("District"),
    "province": _l("Province"),
    "country": _l("The whole country"),
}
# The report weekday, Monday (0) to Sunday (6), as the deadlines' settings name it.
WEEKDAY_LABELS = (
    _l("Monday"),
    _l("Tuesday"),
    _l("Wednesday"),
    _l("Thursday"),
    _l("Friday"),
    _l("Saturday"),
    _l("Sunday"),
)
