"""Venue type names, in the user's language."""

from flask_babel import lazy_gettext as _l

VENUE_TYPE_LABELS = {
    "government_office": _l("Government office"),
    "school": _l("School"),
    "enterprise": _l("Enterprise"),
    "shop": _l("Shop"),
    "mini_supermarket": _l("Mini-supermarket"),
    "bookshop": _l("Bookshop"),
    "market": _l("Market"),
    "health_station": _l("Commune health station"),
    "meeting_hall": _l("Meeting hall"),
    "conference_centre": _l("Conference centre"),
    "library": _l("Library"),
    "football_ground": _l("Football ground"),
    "amusement_area": _l("Amusement area"),
    "public_transport": _l("Public transport vehicle"),
    "tourist_accommodation": _l("Tourist accommodation"),
    "village_cultural_house": _l("Village cultural house"),
    "other": _l("Other"),
}
# Lower case: they follow the name in English ("Sơn Lư town") and lead it in Vietnamese.
COMMUNE_KIND_LABELS = {
    "xa": _l("commune"),
    "phuong": _l("ward"),
    "thi_tran": _l("town"),
}
