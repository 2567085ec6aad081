"""Two reviews of one finding at once on PostgreSQL: the first holds the finding's row until
it commits; the second waits for it, then sees it and is refused (never approved and
returned both, never approved blindly)."""

import random
import threading
import uuid

from fieldapp import clock
from fieldapp.extensions import db
from fieldapp.inspections import service
from fieldapp.models import Commune, District, Inspection, Province, User, Venue
from fieldapp.reviews.service import ReviewRefused, approve, return_for_correction, review_version
from tests.locks import waits_for_lock
from tests.test_rollups import NO_GPS, NOWHERE, answers_for, postgresql_app


def test_a_return_made_while_an_approval_is_uncommitted_waits_and_is_refused_on_postgresql(
    tmp_path, databases
):
    with postgresql_app(tmp_path, databases) as app:
        district = District(name="Quan Sơn", province=Province(name="Thanh Hóa"))
        commune = Commune(name="Sơn Hà", kind="xa", district=district)
        venue = Venue(code="PG-1", name="Chợ", venue_type="market", commune=commune)
        people = {
            name: User(username=name, display_name=name, role=role, district=district)
            for name, role in (("thanh", "inspector"), ("mai", "supervisor"), ("lan", "supervisor"))
        }
        for person in people.values():
            person.set_password("not used by this test")
        db.session.add_all([venue, *people.values()])
        db.session.commit()
        finding, _new = service.record_inspection(
            venue,
            people["thanh"],
            str(uuid.uuid4()),
            answers_for(random.Random(3)),
            None,
            NOWHERE,
            NO_GPS,
            [],
            received_at=clock.utcnow(),
        )
        db.session.commit()
        finding_id, seen = finding.id, review_version(finding)
        ids = {name: user.id for name, user in people.items()}
        failures, pids, outcomes = [], {}, {}
        first_held, first_may_commit = threading.Event(), threading.Event()

        def review(name: str, supervisor: str) -> None:
            try:
                with app.app_context():
                    pids[name] = (
                        db.session.connection().connection.driver_connection.info.backend_pid
                    )
                    inspection = db.session.get(Inspection, finding_id)
                    reviewer = db.session.get(User, ids[supervisor])
                    try:
                        if name == "first":
                            approve(inspection, reviewer, seen)
                        else:
                            return_for_correction(inspection, reviewer, "Ảnh mờ", seen)
                        outcomes[name] = "done"
                    except ReviewRefused as refusal:
                        outcomes[name] = refusal.reason
                    if name == "first":
                        first_held.set()
                        assert first_may_commit.wait(timeout=60)
                    db.session.commit()
                    db.session.remove()
            except Exception as error:  # surfaced below: a thread's exception is otherwise lost
                failures.append(error)
                first_held.set()

        first = threading.Thread(target=review, args=("first", "mai"))
        second = threading.Thread(target=review, args=("second", "lan"))
        first.start()
        assert first_held.wait(timeout=60)
        second.start()
        waiting = waits_for_lock(pids, "second", failures)
        first_may_commit.set()
        first.join(timeout=60)
        second.join(timeout=60)
        assert failures == []
        assert waiting, "the return never waited for the approval's lock"
        assert outcomes == {"first": "done", "second": "already_approved"}
        db.session.expire_all()
        assert db.session.get(Inspection, finding_id).review_state == "approved"
