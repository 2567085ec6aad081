"""The venue list's filters: the search words, commune and type, and the venues' status
(never inspected, overdue for re-inspection, last outcome, open assignment or not).

They live in the list's URL (a GET form), so a filtered list can be shared, and the way
back to it is rebuilt from them (`list_params`): only these names and values ever reach
a link, so a "back" value can never point anywhere but the venue list.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qsl

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, exists, select

from fieldapp.fragments import id_param
from fieldapp.models import VENUE_TYPES, Assignment, Venue

STATUS_LABELS = {
    "never": _l("Never inspected"),
    "overdue": _l("Re-inspection overdue"),
}
# The last outcome's codes (fieldapp/inspections/outcome.py); their labels are the app's
# `outcome_labels`.
OUTCOMES = ("compliant", "needs_improvement", "non_compliant")
ASSIGNED_LABELS = {
    "yes": _l("Assigned, not done yet"),
    "no": _l("Not assigned"),
}
QUERY_MAX = 100


@dataclass(frozen=True)
class VenueFilters:
    """What the venue list is filtered by; empty values filter nothing."""

    q: str = ""
    commune: int | None = None
    type: str = ""
    status: str = ""
    outcome: str = ""
    assigned: str = ""

    @classmethod
    def from_args(cls, args: Mapping) -> "VenueFilters":
        """The filters a request (or a stored query string) asks for; an unknown value is
        no filter (the commune is checked against the user's by the route)."""

        def choice(name: str, allowed) -> str:
            value = args.get(name) or ""
            return value if value in allowed else ""

        return cls(
            q=(args.get("q") or "")[:QUERY_MAX],
            commune=id_param(args.get("commune")),
            type=choice("type", VENUE_TYPES),
            status=choice("status", STATUS_LABELS),
            outcome=choice("outcome", OUTCOMES),
            assigned=choice("assigned", ASSIGNED_LABELS),
        )

    @classmethod
    def from_query_string(cls, query: str | None) -> "VenueFilters":
        """The filters of a list's query string ("q=cho&commune=3&status=never")."""
        return cls.from_args(dict(parse_qsl(query or "", keep_blank_values=False)))

    def params(self) -> dict:
        """The filters as URL parameters, empty ones left out: for `url_for`."""
        values = {
            "q": self.q,
            "commune": self.commune,
            "type": self.type,
            "status": self.status,
            "outcome": self.outcome,
            "assigned": self.assigned,
        }
        return {name: value for name, value in values.items() if value}

    @property
    def by_status(self) -> bool:
        return bool(self.status or self.outcome or self.assigned)

    def status_conditions(self, today: date) -> list[ColumnElement[bool]]:
        """The status filters as conditions on Venue, for `search_venues`. "Overdue" is a
        re-inspection due before Vietnam's today (the caller's `clock.today()`)."""
        conditions = []
        if self.status == "never":
            conditions.append(Venue.last_inspected_at.is_(None))
        elif self.status == "overdue":
            conditions.append(Venue.reinspection_due < today)
        if self.outcome:
            conditions.append(Venue.last_outcome == self.outcome)
        if self.assigned == "yes":
            # Driven from the few open assignments (a semi-join on their venue index)...
            conditions.append(Venue.id.in_(open_assignment_venues()))
        elif self.assigned == "no":
            # ...and "not assigned", most venues, as an anti-join the page's LIMIT stops.
            conditions.append(
                ~exists(
                    select(Assignment.id).where(
                        Assignment.venue_id == Venue.id, Assignment.closed_at.is_(None)
                    )
                )
            )
        return conditions


def open_assignment_venues():
    """The ids of the venues with an open assignment, as a subquery."""
    return select(Assignment.venue_id).where(Assignment.closed_at.is_(None))


def list_url(query: str | None) -> str:
    """The venue list with the filters of a query string: only the list's own filters are
    kept, so the link never leads anywhere else (no open redirect)."""
    return url_for("venues.search", **VenueFilters.from_query_string(query).params())
