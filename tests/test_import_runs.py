"""The confirmed venue registry import runs as a job (fieldapp/venues/import_runs.py): the
confirm records a run and redirects to its page, which polls until the run is done or failed
and then lists what was created, updated, left unchanged and refused. The tests run jobs at
once (JOBS_IMMEDIATE), inside the request that queues them."""

import io
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from fieldapp import jobs
from fieldapp.extensions import db
from fieldapp.models import AuditEntry, Venue, VenueImport
from fieldapp.uploads import UploadStore
from fieldapp.venues import import_runs, tasks
from fieldapp.venues.import_runs import create_run
from tests.factories import commune_named
from tests.test_jobs import consumer, wait_for

REGISTRY = (
    "Mã,Tên,Loại hình,Xã,Số điện thoại\n"
    "QS-OLD,Chợ Sơn Hà (mới),Chợ,Xã Sơn Hà,0912345678\n"
    "QS-NEW,Nhà sách Quan Sơn,Nhà sách,TT. Sơn Lư,\n"
    "QS-BAD,Quán karaoke,karaoke,Na Mèo,\n"
    "QS-SAME,Trạm Y tế,Trạm y tế,Trung Xuân,\n"
)


@pytest.fixture
def admin(login, make_user):
    return login(make_user("admin", role="admin"))


@pytest.fixture
def registered(quan_son, make_venue):
    make_venue("Chợ Sơn Hà", code="QS-OLD")
    make_venue(
        "Trạm Y tế",
        code="QS-SAME",
        venue_type="health_station",
        commune=commune_named(quan_son, "Trung Xuân"),
        address="",
        qr_payload="",
    )


def preview(client, content: str) -> str:
    response = client.post(
        "/venues/import",
        data={"file": (io.BytesIO(content.encode()), "so-dia-diem.csv"), "update": "1"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return re.search(r'name="token" value="([^"]+)"', response.get_data(as_text=True)).group(1)


def confirm(client, token: str, district):
    return client.post(
        "/venues/import",
        data={
            "token": token,
            "source": "so-dia-diem.csv",
            "district": district.id,
            "update": "1",
            "action": "apply",
        },
    )


POLLING = 'hx-get="/venues/import/runs/'  # the run's page asking htmx to poll it


def shown(client, location: str, fragment: bool = False) -> str:
    """The run's page (or the fragment htmx polls), read afresh: the job wrote in a session
    of its own."""
    db.session.expire_all()
    headers = {"HX-Request": "true"} if fragment else {}
    return client.get(location, headers=headers).get_data(as_text=True)


def venue(code: str) -> Venue | None:
    db.session.expire_all()
    return db.session.scalar(select(Venue).where(Venue.code == code))


def the_run() -> VenueImport:
    db.session.expire_all()
    return db.session.scalars(select(VenueImport)).one()


def test_the_confirmed_import_is_a_run_whose_page_shows_the_result(
    client, admin, registered, quan_son
):
    token = preview(client, REGISTRY)
    confirmed = confirm(client, token, quan_son)
    run = the_run()
    assert confirmed.status_code == 303
    assert confirmed.headers["Location"] == f"/venues/import/runs/{run.id}"
    assert (run.state, run.created, run.updated, run.unchanged) == ("done", 1, 1, 1)
    assert (run.district_id, run.requested_by_id, run.source) == (
        quan_son.id,
        admin.id,
        "so-dia-diem.csv",
    )
    assert run.started_at is not None and run.finished_at is not None
    assert venue("QS-NEW").commune.name == "Sơn Lư" and venue("QS-OLD").name == "Chợ Sơn Hà (mới)"
    assert venue("QS-BAD") is None
    assert UploadStore().find(admin.id, token) is None  # imported: no longer waiting

    page = shown(client, confirmed.headers["Location"])
    assert "Quan Sơn: đã tạo 1 địa điểm, cập nhật 1, từ chối 1 dòng." in page
    assert "1 đã đăng ký đúng như trong tệp" in page
    # The refused rows are listed, by row number, with their reasons.
    refused = page[page.index("Các dòng bị từ chối") :]
    assert re.search(r"<td>4</td>\s*<td>", refused)
    assert "“karaoke” không phải là loại hình địa điểm." in refused
    assert "“Na Mèo” không phải là đơn vị cấp xã của huyện Quan Sơn." in refused
    assert 'href="/venues"' in page and 'href="/venues/import"' in page
    assert POLLING not in page  # done: nothing polls


def test_an_english_speaking_admin_reads_the_refusals_in_english(
    client, login, make_user, quan_son
):
    login(make_user("admin-en", role="admin", locale="en"))
    confirm(client, preview(client, REGISTRY), quan_son)
    [(number, reasons)] = the_run().refused_rows
    assert number == 4 and "“karaoke” is not a venue type." in reasons
    assert "“Na Mèo” is not a commune of Quan Sơn." in reasons


def test_the_page_polls_while_the_run_waits_and_stops_when_it_is_done(
    client, admin, quan_son, monkeypatch
):
    queued = []
    monkeypatch.setattr(tasks, "import_registry", queued.append)  # a queue with no worker
    token = preview(client, "code,name,commune\nQS-1,Chợ,Sơn Hà\n")
    location = confirm(client, token, quan_son).headers["Location"]
    run = the_run()
    assert queued == [run.id] and run.state == "waiting" and venue("QS-1") is None

    fragment = shown(client, location, fragment=True)
    assert fragment.lstrip().startswith("<section") and "<html" not in fragment
    assert f'hx-get="{location}"' in fragment and "Đang chờ trong hàng đợi" in fragment

    # Confirming the same file again while it waits imports it once: the same run.
    again = confirm(client, token, quan_son)
    assert again.status_code == 303 and again.headers["Location"] == location
    assert db.session.scalar(select(func.count(VenueImport.id))) == 1

    monkeypatch.undo()
    tasks.import_registry(run.id)  # the worker takes it
    fragment = shown(client, location, fragment=True)
    assert "hx-get" not in fragment and "đã tạo 1 địa điểm" in fragment
    assert venue("QS-1").name == "Chợ"


def test_a_run_taken_twice_imports_once(app, admin, quan_son):
    uploads = UploadStore()
    _token, key = uploads.keep(admin.id, "so.csv", "code,name,commune\nQS-1,Chợ,Sơn Hà\n".encode())
    run = create_run(quan_son, admin, key, "so.csv", update_registered=True)
    db.session.commit()
    tasks.import_registry(run.id)
    uploads.store.put(key, "code,name,commune\nQS-2,Chợ,Sơn Hà\n".encode())  # were it there
    tasks.import_registry(run.id)  # a retry, or a duplicate: the claim refuses it
    run = the_run()
    assert (run.state, run.created) == ("done", 1)
    assert venue("QS-1") is not None and venue("QS-2") is None
    created = select(func.count(AuditEntry.id)).where(AuditEntry.action == "create")
    assert db.session.scalar(created) == 1


def test_a_failing_import_writes_nothing_and_says_why(app, admin, quan_son, monkeypatch):
    uploads = UploadStore()
    _token, key = uploads.keep(admin.id, "so.csv", "code,name,commune\nQS-1,Chợ,Sơn Hà\n".encode())
    run = create_run(quan_son, admin, key, "so.csv", update_registered=True)
    db.session.commit()

    commune_id = commune_named(quan_son, "Sơn Hà").id

    def venues_written_then_refused(*args, **kwargs):
        db.session.add(
            Venue(code="QS-HALF", name="Nửa chừng", venue_type="market", commune_id=commune_id)
        )
        db.session.flush()
        raise RuntimeError("the disk is full")

    monkeypatch.setattr("fieldapp.venues.import_runs.apply_import", venues_written_then_refused)
    tasks.import_registry(run.id)
    run = the_run()
    assert (run.state, run.error) == ("failed", "the disk is full")
    assert venue("QS-HALF") is None and venue("QS-1") is None


def test_an_expired_file_fails_the_run(client, admin, quan_son):
    run = create_run(quan_son, admin, f"u{admin.id}-gone.csv", "so.csv", update_registered=True)
    db.session.commit()
    tasks.import_registry(run.id)
    page = shown(client, f"/venues/import/runs/{run.id}")
    assert the_run().state == "failed" and POLLING not in page
    assert "Việc tải lên không thành công: Tệp đã tải lên không còn" in page


def test_a_run_the_queue_refuses_fails_at_once(client, admin, quan_son, monkeypatch):
    def queue_down(run_id):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(tasks, "import_registry", queue_down)
    token = preview(client, "code,name,commune\nQS-1,Chợ,Sơn Hà\n")
    page = shown(client, confirm(client, token, quan_son).headers["Location"])
    assert the_run().state == "failed" and venue("QS-1") is None
    assert "hàng đợi công việc không phản hồi" in page and POLLING not in page


def test_a_run_silent_past_the_timeout_shows_failed_and_never_runs_late(
    app, client, admin, quan_son, monkeypatch, frozen_clock
):
    monkeypatch.setattr(tasks, "import_registry", lambda run_id: None)  # no worker
    frozen_clock(datetime(2021, 11, 5, 8, 0))
    token = preview(client, "code,name,commune\nQS-1,Chợ,Sơn Hà\n")
    location = confirm(client, token, quan_son).headers["Location"]
    waiting = shown(client, location, fragment=True)
    assert "hx-get" in waiting

    minutes = app.config["IMPORT_TIMEOUT_MINUTES"]
    frozen_clock(datetime(2021, 11, 5, 8, 0) + timedelta(minutes=minutes + 1))
    stuck = shown(client, location, fragment=True)
    assert "hx-get" not in stuck and f"không xong trong vòng {minutes} phút" in stuck

    monkeypatch.undo()
    frozen_clock(datetime(2021, 11, 5, 8, 0) + timedelta(minutes=minutes + 1))
    tasks.import_registry(the_run().id)  # a worker comes back, too late
    assert the_run().state == "failed" and venue("QS-1") is None
    assert "không xong trong vòng" in shown(client, location)


def test_only_the_districts_admins_see_a_run(
    client, admin, login, make_user, quan_son, other_district
):
    location = confirm(client, preview(client, "code,name,commune\nQS-1,Chợ,Sơn Hà\n"), quan_son)
    location = location.headers["Location"]
    login(make_user("admin-2", role="admin"))  # another admin of Quan Sơn
    assert client.get(location).status_code == 200
    login(make_user("yc-admin", role="admin", district=other_district))
    assert client.get(location).status_code == 404
    login(make_user("supervisor", role="supervisor"))
    assert client.get(location).status_code == 403


def test_a_consumer_imports_the_registry_from_the_sqlite_queue(
    app, client, admin, registered, quan_son, tmp_path
):
    """A real `jobs-worker` process, on the test's database and spreadsheet folder."""
    url = f"sqlite:///{tmp_path}/queue.db"
    app.config.update(JOBS_IMMEDIATE=False, QUEUE_URL=url)
    jobs.configure(app)
    try:
        location = confirm(client, preview(client, REGISTRY), quan_son).headers["Location"]
        assert the_run().state == "waiting" and venue("QS-NEW") is None  # queued, no worker
        folder = app.config["FIGURES_UPLOAD_FOLDER"]
        with consumer(app, tmp_path, url, FIGURES_UPLOAD_FOLDER=folder) as process:
            wait_for(lambda: the_run().state == "done", "import done", process)
    finally:
        app.config.update(JOBS_IMMEDIATE=True, QUEUE_URL="")
        jobs.configure(app)
    assert venue("QS-NEW").name == "Nhà sách Quan Sơn"
    assert "đã tạo 1 địa điểm, cập nhật 1, từ chối 1 dòng" in shown(client, location)


def test_a_run_that_outlasts_the_timeout_writes_nothing(
    app, client, admin, quan_son, monkeypatch, frozen_clock
):
    start = frozen_clock(datetime(2021, 11, 5, 8, 0))
    minutes = app.config["IMPORT_TIMEOUT_MINUTES"]
    real_apply = import_runs.apply_import

    def slow_apply(report, user):
        frozen_clock(start + timedelta(minutes=minutes + 1))  # its page already says failed
        return real_apply(report, user)

    monkeypatch.setattr(import_runs, "apply_import", slow_apply)
    token = preview(client, "code,name,commune\nQS-1,Chợ,Sơn Hà\n")
    location = confirm(client, token, quan_son).headers["Location"]
    assert (the_run().state, the_run().error) == ("failed", import_runs.STUCK)
    assert venue("QS-1") is None
    assert f"không xong trong vòng {minutes} phút" in shown(client, location)
