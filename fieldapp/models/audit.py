"""The audit trail: who changed what, when, with the values before and after."""

import json
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldapp import clock
from fieldapp.extensions import db
from fieldapp.models.user import User


class AuditEntry(db.Model):
    __tablename__ = "audit_entry"
    id: Mapped[int] = mapped_column(primary_key=True)
    # inspection / venue, or what an event is about: user, session, figures, export, poster
    entity: Mapped[str] = mapped_column(String(20))
    # None for events about no single record (a log-in, an export).
    entity_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # create, edit, review or delete; for events, e.g. login, login_failed, export
    action: Mapped[str] = mapped_column(String(30))
    # None for changes made from the command line (imports, the demo).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(default=clock.utcnow)
    # JSON: {"field": [before, after], ...}
    changes: Mapped[str] = mapped_column(Text, default="{}")
    # The client's address (request.remote_addr); None outside a request.
    address: Mapped[str | None] = mapped_column(String(45))
    # JSON: free details of an event (the username tried, an export's format...).
    detail: Mapped[str | None] = mapped_column(Text)
    # The district the event belongs to, so its admins see it; None when it has none.
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"), index=True)

    user: Mapped[User | None] = relationship()

    @property
    def change_list(self) -> list[tuple[str, object, object]]:
        return [(name, pair[0], pair[1]) for name, pair in json.loads(self.changes).items()]

    @property
    def details(self) -> dict:
        return json.loads(self.detail) if self.detail else {}
