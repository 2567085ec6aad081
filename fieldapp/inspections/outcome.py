"""The compliance rule: the one place that turns checklist answers into an outcome.

Non-compliant: the venue fails the order itself (no working check-in at all, or
someone else's code on the door). Needs improvement: check-in works but a
requirement is missed (code hidden or damaged, nobody assigned, few visitors
scanning...). Compliant: nothing found.
"""

from dataclasses import MISSING, dataclass, field, fields
from datetime import date, datetime

# Below this share of observed visitors scanning, enforcement is not working.
MIN_SCAN_RATE = 0.8
# Below this share of staff with PC-Covid installed, the venue is reminded.
MIN_STAFF_APP_RATE = 0.8


@dataclass
class Checklist:
    """The inspector's answers, as plain values (no request, no database)."""

    qr_posted: str
    qr_matches: str
    checkin_method: str
    staff_assigned: bool
    qr_size_ok: bool | None = None
    staff_name: str = ""
    staff_phone: str = ""
    visitors_observed: int | None = None
    visitors_scanned: int | None = None
    venue_scan_count: int | None = None
    staff_total: int | None = None
    staff_with_app: int | None = None
    paper_fallback: bool | None = None
    risk_assessment_done: bool | None = None
    actions: list[str] = field(default_factory=list)
    reinspection_due: date | None = None
    notes: str = ""
    device_time: datetime | None = None
    scanned_payload: str = ""


# The answers without which there is no outcome (the Checklist's fields with no default);
# the form's live preview waits for them.
REQUIRED_ANSWERS = tuple(
    f.name for f in fields(Checklist) if f.default is MISSING and f.default_factory is MISSING
)


@dataclass
class Assessment:
    outcome: str  # compliant / needs_improvement / non_compliant
    reasons: list[str]


def assess(checklist: Checklist, is_enterprise: bool) -> Assessment:
    """Compute the outcome of an inspection and the reasons for it."""
    failures: list[str] = []
    shortfalls: list[str] = []
    c = checklist
    staff_scan = c.checkin_method in ("staff_scan", "both")

    if c.checkin_method == "none":
        failures.append("no_checkin")
    if c.qr_posted == "missing" and not staff_scan:
        failures.append("qr_missing")
    if c.qr_matches == "no":
        failures.append("qr_not_own")

    if c.qr_posted == "missing" and staff_scan:
        shortfalls.append("qr_missing_staff_scan")
    if c.qr_posted in ("hidden", "damaged", "outdated"):
        shortfalls.append(f"qr_{c.qr_posted}")
    if c.qr_posted != "missing" and c.qr_size_ok is False:
        shortfalls.append("qr_too_small")
    if not c.staff_assigned:
        shortfalls.append("no_staff")
    if c.visitors_observed and c.visitors_scanned is not None:
        if c.visitors_scanned / c.visitors_observed < MIN_SCAN_RATE:
            shortfalls.append("low_scan_rate")
    if c.staff_total and c.staff_with_app is not None:
        if c.staff_with_app / c.staff_total < MIN_STAFF_APP_RATE:
            shortfalls.append("low_staff_app")
    if c.paper_fallback is False:
        shortfalls.append("no_paper_fallback")
    if is_enterprise and c.risk_assessment_done is False:
        shortfalls.append("no_risk_assessment")

    if failures:
        return Assessment("non_compliant", failures + shortfalls)
    if shortfalls:
        return Assessment("needs_improvement", shortfalls)
    return Assessment("compliant", [])
