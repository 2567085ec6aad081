"""A venue's inspection history, a page at a time.

A market inspected every day has hundreds of findings in a year: its page shows the newest
few and the rest follow on request, each page read along (venue, server time) from where
the last one ended (keyset), never counted nor offset.
"""

from dataclasses import dataclass, field

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload

from fieldapp.extensions import db
from fieldapp.models import Inspection

# Findings on the venue's page; "Xem thêm" brings as many again.
HISTORY_PAGE = 10


@dataclass
class HistoryPage:
    inspections: list[Inspection]
    photo_counts: dict[int, int] = field(default_factory=dict)
    # The last finding shown when older ones follow: where the next page starts.
    more_after: int | None = None


def inspection_history(
    venue_id: int, older_than: int | None = None, size: int = HISTORY_PAGE
) -> HistoryPage:
    """The venue's findings, newest first, `size` of them after the finding `older_than`
    (an id of this venue's; another id starts from the newest)."""
    order = (Inspection.server_time.desc(), Inspection.id.desc())
    query = (
        select(Inspection)
        .where(Inspection.venue_id == venue_id)
        .options(joinedload(Inspection.inspector))
        .order_by(*order)
        .limit(size + 1)
    )
    if older_than is not None:
        start = db.session.execute(
            select(Inspection.server_time, Inspection.id).where(
                Inspection.id == older_than, Inspection.venue_id == venue_id
            )
        ).first()
        if start is not None:
            query = query.where(
                or_(
                    Inspection.server_time < start.server_time,
                    and_(Inspection.server_time == start.server_time, Inspection.id < start.id),
                )
            )
    inspections = list(db.session.scalars(query))
    more = len(inspections) > size
    inspections = inspections[:size]
    ids = [inspection.id for inspection in inspections]
    photo_counts = (
        dict(
            db.session.execute(
                select(Inspection.id, func.count())
                .join(Inspection.photos)
                .where(Inspection.id.in_(ids))
                .group_by(Inspection.id)
            ).all()
        )
        if ids
        else {}
    )
    return HistoryPage(inspections, photo_counts, ids[-1] if more else None)
