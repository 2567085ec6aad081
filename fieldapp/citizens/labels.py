"""A citizen's report's problems, channels and states, in the user's language."""

from flask_babel import lazy_gettext as _l

from fieldapp.places import unit_of

PROBLEM_LABELS = {
    "no_qr": _l("No QR code posted"),
    "qr_not_working": _l("The code does not work or is another venue's"),
    "not_checked": _l("Nobody makes visitors scan"),
    "other": _l("Other"),
}
CHANNEL_LABELS = {
    "web": _l("Web form"),
    "phone": _l("Telephone"),
    "hotline": _l("Hotline"),
    "national": _l("National system"),
}
# Who a report received without an account is from, as its history names them.
REPORTER_LABELS = {
    "web": _l("A citizen (web form)"),
    "phone": _l("Telephone"),
    "hotline": _l("Hotline"),
    "national": _l("National system"),
}
STATE_LABELS = {
    "new": _l("New"),
    "checking": _l("Being checked"),
    "ready": _l("Ready to answer"),
    "resolved": _l("Resolved"),
    "rejected": _l("Rejected"),
}


def commune_with_district(commune) -> str:
    """A commune named with its kind and district, "Xã Sơn Hà — huyện Quan Sơn": how the
    office's lists name communes when the user's area has more than one district."""
    return f"{unit_of(commune, capitalised=True)} — {unit_of(commune.district)}"
