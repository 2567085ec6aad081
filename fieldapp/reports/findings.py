"""What the app's own inspections found in a period: the figures the reports show next to
the national ones, and how a share of them is written (percent, rounded half up)."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l

# Which findings the reports count, by review state: approved and pending ones; a finding
# returned for correction is left out until its inspector corrects it (it is then pending
# again). fieldapp/reports/rollups.py counts by it; the sentences below say it.
COUNTED_REVIEW_STATES = ("approved", "pending")
# The one line the report page, the exports and the notice write under the findings.
COUNTED_NOTE = "Kết quả kiểm tra gồm các lần đã duyệt và chờ duyệt; không tính các lần bị trả lại."
COUNTED_NOTE_UI = _l(
    "Findings include those approved and those awaiting review; findings returned for "
    "correction are left out."
)


def counted_note() -> str:
    """The findings' counting rule in one Vietnamese sentence (for the letter and exports)."""
    return COUNTED_NOTE


def percent(part: int | None, whole: int | None) -> Decimal | None:
    """part / whole as a percentage rounded half up to one decimal (30.05 → 30.1), or None."""
    if part is None or not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass
class Findings:
    """What the app's inspections found at a unit's venues in one period."""

    venues_inspected: int = 0
    qr_visible: int = 0
    staff_assigned: int = 0
    compliant: int = 0
    visitors_observed: int = 0
    visitors_scanned: int = 0
    posters_issued: int = 0

    def add(self, other: "Findings") -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def qr_visible_share(self) -> Decimal | None:
        return percent(self.qr_visible, self.venues_inspected)

    @property
    def staff_share(self) -> Decimal | None:
        return percent(self.staff_assigned, self.venues_inspected)

    @property
    def compliant_share(self) -> Decimal | None:
        return percent(self.compliant, self.venues_inspected)

    @property
    def scan_rate(self) -> Decimal | None:
        return percent(self.visitors_scanned, self.visitors_observed)
