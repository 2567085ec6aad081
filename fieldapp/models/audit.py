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
    entity: Mapped[str] = mapped_column(String(20))  # inspection / venue
    entity_id: Mapped[int] = mapped_column(Integer, index=True)
    action: Mapped[str] = mapped_column(String(20))  # create, edit, review or delete
    # None for changes made from the command line (imports, the demo).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(default=clock.utcnow)
    # JSON: {"field": [before, after], ...}
    changes: Mapped[str] = mapped_column(Text, default="{}")

    user: Mapped[User | None] = relationship()

    @property
    def change_list(self) -> list[tuple[str, object, object]]:
        return [(name, pair[0], pair[1]) for name, pair in json.loads(self.changes).items()]
