"""The job queue and poster batches on it: the queue's settings and health, the batch page
while queued, stuck and tried again, recovery of a batch whose worker vanished (in
immediate mode); then real consumers (`flask --app wsgi jobs-worker`) on the SQLite queue
and on a real Redis server, and a consumer killed in the middle of a batch."""

import contextlib
import itertools
import os
import re
import signal
import sys
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pypdfium2
import pytest
import requests
from huey.storage import RedisStorage, SqliteStorage
from sqlalchemy import select

from fieldapp import clock, create_app, jobs
from fieldapp.cli import jobs_worker_command
from fieldapp.demo import DEMO_PASSWORD
from fieldapp.extensions import db
from fieldapp.models import AuditEntry, Poster, PosterBatch
from fieldapp.posters import service
from fieldapp.posters.service import (
    STUCK,
    BatchSettings,
    LostBatch,
    batch_key,
    create_batch,
    issue_poster,
    run_batch,
)
from fieldapp.posters.tasks import recover_batches
from tests.servers import free_port, redis, running, stop, wait_for_port

ROOT = Path(__file__).resolve().parent.parent
DEADLINE_S = 180
CSRF_FIELD = r'name="csrf_token"[^>]*value="([^"]+)"'
NOW = datetime(2021, 11, 12, 3, 0)


@pytest.fixture
def office(login, make_user):
    return login(make_user("supervisor", role="supervisor"))


@pytest.fixture
def on_queue(app):
    """`on_queue(url)`: the test's app queues its jobs there instead of running them."""

    def use(url: str) -> None:
        app.config.update(JOBS_IMMEDIATE=False, QUEUE_URL=url)
        jobs.configure(app)

    yield use
    app.config.update(JOBS_IMMEDIATE=True, QUEUE_URL="")
    jobs.configure(app)


def queued_posters(make_venue, user, count: int) -> list[Poster]:
    """`count` replacement posters waiting in the office's print queue."""
    posters = [
        issue_poster(make_venue(f"Quán số {n}"), user, "damaged") for n in range(1, count + 1)
    ]
    db.session.commit()
    return posters


def printed_events() -> Counter:
    return Counter(
        db.session.scalars(
            select(AuditEntry.entity_id).where(AuditEntry.action == "poster_printed")
        )
    )


def pages(path: Path) -> int:
    document = pypdfium2.PdfDocument(path.read_bytes())
    try:
        return len(document)
    finally:
        document.close()


def fresh(batch_id: int) -> PosterBatch:
    db.session.rollback()  # see what other processes committed
    db.session.expire_all()
    return db.session.get(PosterBatch, batch_id)


# --- the queue's settings and health ----------------------------------------------------


def test_the_queue_url_chooses_the_storage(tmp_path):
    default = jobs.storage_opener("", str(tmp_path))()
    assert isinstance(default, SqliteStorage) and default.filename == str(tmp_path / "jobs.db")
    other = jobs.storage_opener(f"sqlite:///{tmp_path}/q/queue.db", "/nowhere")()
    assert isinstance(other, SqliteStorage) and Path(other.filename) == tmp_path / "q/queue.db"
    assert isinstance(jobs.storage_opener("redis://127.0.0.1:1/0", "/x")(), RedisStorage)


@pytest.mark.parametrize("url", ["postgres://db/queue", "sqlite:///", "amqp://x"])
def test_a_queue_url_the_app_cannot_use_stops_the_start(monkeypatch, tmp_path, url):
    monkeypatch.setenv("FIELDAPP_QUEUE_URL", url)
    with pytest.raises(jobs.QueueSettingError, match="FIELDAPP_QUEUE_URL"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"})


def test_making_the_app_opens_no_queue(app, tmp_path, on_queue):
    on_queue(f"sqlite:///{tmp_path}/queue.db")
    assert not (tmp_path / "queue.db").exists()
    assert jobs.check() and (tmp_path / "queue.db").exists()


def test_check_says_whether_the_queue_answers(app, on_queue):
    assert jobs.check()  # immediate mode: memory
    on_queue(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    assert jobs.check() is False
    with redis() as url:
        on_queue(url)
        assert jobs.check() is True


def test_healthz_answers_503_while_the_queue_does_not(app, client, on_queue):
    assert client.get("/healthz").status_code == 200
    on_queue(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    assert client.get("/healthz").status_code == 503


def test_the_worker_command_refuses_immediate_mode(app):
    result = app.test_cli_runner().invoke(jobs_worker_command)
    assert result.exit_code == 1 and "FIELDAPP_JOBS_IMMEDIATE" in result.output


# --- the batch page -------------------------------------------------------------------------


def test_a_queued_batch_waits_in_the_queue_and_says_so(
    app, client, office, make_venue, tmp_path, on_queue, frozen_clock
):
    on_queue(f"sqlite:///{tmp_path}/queue.db")
    make_venue("Chợ Sơn Hà")
    frozen_clock(NOW)
    response = client.post("/posters/batches", data={})
    batch = db.session.scalar(select(PosterBatch))
    assert response.status_code == 303 and batch.state == "waiting"
    assert jobs.huey.storage.queue_size() == 1  # its job is in the queue, not in this process
    body = client.get(f"/posters/batches/{batch.id}").get_data(as_text=True)
    assert "Đang chờ trong hàng đợi" in body and 'hx-trigger="load delay:1s"' in body
    assert "/retry" not in body  # no "Try again" while it waits
    assert "jobs-worker" not in body
    frozen_clock(NOW + timedelta(minutes=3))  # longer than BATCH_LEASE_SECONDS: no consumer?
    body = client.get(f"/posters/batches/{batch.id}").get_data(as_text=True)
    assert "Chưa có bộ xử lý nào bắt đầu" in body and "(jobs-worker)" in body
    assert 'hx-trigger="load delay:1s"' in body and "/retry" not in body


def test_a_batch_the_queue_refuses_fails_at_once(app, client, office, make_venue, on_queue):
    on_queue(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    make_venue("Chợ Sơn Hà")
    response = client.post("/posters/batches", data={})
    batch = db.session.scalar(select(PosterBatch))
    assert response.status_code == 303 and fresh(batch.id).state == "failed"
    body = client.get(f"/posters/batches/{batch.id}").get_data(as_text=True)
    assert "hàng đợi công việc không phản hồi" in body
    assert f'action="/posters/batches/{batch.id}/retry"' in body
    assert "hx-trigger" not in body


@pytest.mark.parametrize("state", ["waiting", "running"])
def test_a_stuck_batch_shows_failed_stops_polling_and_is_tried_again(
    app, client, office, make_venue, frozen_clock, state
):
    posters = queued_posters(make_venue, office, 2)
    frozen_clock(NOW)
    batch = create_batch(office.district_id, office, poster_ids=[p.id for p in posters])
    batch.state = state
    db.session.commit()
    url = f"/posters/batches/{batch.id}"
    frozen_clock(NOW + timedelta(minutes=29))
    assert 'hx-trigger="load delay:1s"' in client.get(url).get_data(as_text=True)
    assert client.post(f"{url}/retry").status_code == 303  # not stuck yet: nothing done
    assert fresh(batch.id).state == state
    frozen_clock(NOW + timedelta(minutes=31))  # BATCH_TIMEOUT_MINUTES is 30
    body = client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "hx-trigger" not in body and "không có tiến triển nào trong hơn 30 phút" in body
    assert "Thử lại" in body and f'action="{url}/retry"' in body
    assert "Đã dừng" in client.get("/posters/queue").get_data(as_text=True)

    assert client.post(f"{url}/retry").status_code == 303  # immediate mode: made at once
    batch = fresh(batch.id)
    assert (batch.state, batch.done, batch.runs) == ("done", 2, 1)
    assert pages(Path(app.config["POSTER_FOLDER"]) / batch_key(batch)) == 2
    assert printed_events() == {posters[0].id: 1, posters[1].id: 1}
    assert "Tải bản PDF" in client.get(url).get_data(as_text=True)


def test_a_failed_batch_is_tried_again_and_a_done_one_is_not(
    app, client, office, make_venue, monkeypatch
):
    make_venue("Chợ Sơn Hà")
    broken = RuntimeError("the disk is full")

    def fail(*args, **kwargs):
        raise broken

    monkeypatch.setattr(service, "poster_pdf", fail)
    client.post("/posters/batches", data={})
    batch = db.session.scalar(select(PosterBatch))
    assert (fresh(batch.id).state, fresh(batch.id).error) == ("failed", "the disk is full")
    assert not list(Path(app.config["POSTER_FOLDER"]).iterdir())  # no half-made file left
    monkeypatch.undo()
    client.post(f"/posters/batches/{batch.id}/retry")
    assert fresh(batch.id).state == "done"
    again = client.post(f"/posters/batches/{batch.id}/retry", follow_redirects=True)
    assert "không bị treo" in again.get_data(as_text=True)
    assert fresh(batch.id).runs == 1


# --- runs: the claim, a lost worker, recovery ------------------------------------------------


def settings_for(app, **changes) -> BatchSettings:
    return BatchSettings(
        folder=app.config["POSTER_FOLDER"],
        issuer_template=app.config["POSTER_ISSUER"],
        **changes,
    )


def test_a_run_that_lost_its_batch_changes_nothing(app, office, make_venue, frozen_clock):
    posters = queued_posters(make_venue, office, 3)
    frozen_clock(NOW)
    batch = create_batch(office.district_id, office, poster_ids=[p.id for p in posters])
    db.session.commit()
    first = service._claim(batch.id, lease_seconds=120)
    assert first and service._claim(batch.id, lease_seconds=120) is None  # held by a live run
    frozen_clock(NOW + timedelta(minutes=5))  # the first run went silent: presumed dead
    run_batch(batch.id, settings_for(app, lease_seconds=120))
    assert fresh(batch.id).state == "done" and fresh(batch.id).runs == 2
    with pytest.raises(LostBatch):  # the first run, alive after all, finishing late
        service._update_held(batch.id, first, state="done")
    assert printed_events() == {p.id: 1 for p in posters}


def test_a_lost_batch_is_queued_again_and_made_once(app, office, make_venue, frozen_clock):
    """What a killed worker leaves (a half-written file, chunks, a silent running batch) is
    taken up by the consumer's check: one PDF of every page, each poster printed once."""
    posters = queued_posters(make_venue, office, 5)
    frozen_clock(NOW)
    batch = create_batch(office.district_id, office, poster_ids=[p.id for p in posters])
    db.session.commit()
    dead_run = service._claim(batch.id, lease_seconds=120)
    folder = Path(app.config["POSTER_FOLDER"])
    folder.mkdir(parents=True)
    (folder / f"batch-{batch.id}.{dead_run}.part").write_bytes(b"%PDF-1.7 half")
    (folder / f"batch-{batch.id}.{dead_run}.part-chunks").mkdir()
    frozen_clock(NOW + timedelta(seconds=100))
    recover_batches()  # within the lease: the run may be alive
    assert fresh(batch.id).state == "running" and fresh(batch.id).runs == 1
    frozen_clock(NOW + timedelta(seconds=130))
    recover_batches()
    batch = fresh(batch.id)
    assert (batch.state, batch.runs, batch.done) == ("done", 2, 5)
    assert sorted(path.name for path in folder.iterdir()) == [f"batch-{batch.id}.pdf"]
    assert pages(folder / f"batch-{batch.id}.pdf") == 5
    assert printed_events() == {p.id: 1 for p in posters}


def test_a_batch_lost_too_often_or_too_long_is_failed_as_stuck(
    app, office, make_venue, frozen_clock
):
    posters = queued_posters(make_venue, office, 1)
    frozen_clock(NOW)
    tired = create_batch(office.district_id, office, poster_ids=[posters[0].id])
    silent = create_batch(office.district_id, office, poster_ids=[posters[0].id])
    tired.state, tired.runs = "running", service.MAX_BATCH_RUNS
    silent.state = "running"
    db.session.commit()
    frozen_clock(NOW + timedelta(minutes=10))
    recover_batches()
    assert fresh(tired.id).state == "running"  # no run left: it is not queued again
    assert fresh(silent.id).state == "done"
    frozen_clock(NOW + timedelta(minutes=31))
    recover_batches()
    assert (fresh(tired.id).state, fresh(tired.id).error) == ("failed", STUCK)
    assert fresh(silent.id).state == "done"


# --- real consumers ---------------------------------------------------------------------------

_consumers = itertools.count(1)


@contextlib.contextmanager
def consumer(app, tmp_path, queue_url: str, worker_type: str = "thread", **settings):
    """`flask --app wsgi jobs-worker` in a process of its own, on the test's database."""
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": "test-secret",
        "FIELDAPP_QUEUE_URL": queue_url,
        "FIELDAPP_JOBS_IMMEDIATE": "false",
        "FIELDAPP_POSTER_FOLDER": app.config["POSTER_FOLDER"],
        **{f"FIELDAPP_{name}": str(value) for name, value in settings.items()},
    }
    log = tmp_path / f"consumer-{next(_consumers)}.log"
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "jobs-worker", "--workers", "2"]
    command += ["--worker-type", worker_type]
    with running(command, log, ROOT, env=env) as process:
        yield process


def wait_for(condition, what: str, process=None):
    """Wait (with a deadline, never a fixed time) until condition() is true; return it."""
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if process is not None and process.poll() is not None:
            raise AssertionError(f"the consumer stopped:\n{process.log.read_text()[-3000:]}")
        time.sleep(0.1)
    log = process.log.read_text()[-3000:] if process is not None else ""
    raise AssertionError(f"no {what} within {DEADLINE_S} s\n{log}")


def make_batch_through_a_consumer(app, client, make_venue, tmp_path, queue_url, worker_type):
    for n in range(1, 4):
        make_venue(f"Quán số {n}")
    assert client.post("/posters/batches", data={"size": "A5"}).status_code == 303
    batch_id = db.session.scalar(select(PosterBatch.id))
    assert fresh(batch_id).state == "waiting"  # queued: no consumer runs yet
    with consumer(app, tmp_path, queue_url, worker_type) as process:
        wait_for(lambda: fresh(batch_id).state == "done", "batch made", process)
    download = client.get(f"/posters/batches/{batch_id}/download")
    assert download.mimetype == "application/pdf"
    assert len(pypdfium2.PdfDocument(download.data)) == 3


def test_a_consumer_of_worker_processes_makes_a_batch_from_the_sqlite_queue(
    app, client, office, make_venue, tmp_path, on_queue
):
    url = f"sqlite:///{tmp_path}/queue.db"
    on_queue(url)
    make_batch_through_a_consumer(app, client, make_venue, tmp_path, url, "process")


def test_a_consumer_makes_a_batch_from_redis(app, client, office, make_venue, tmp_path, on_queue):
    with redis() as url:
        on_queue(url)
        make_batch_through_a_consumer(app, client, make_venue, tmp_path, url, "process")


def test_a_consumer_killed_in_the_middle_of_a_batch(
    app, client, office, make_venue, tmp_path, on_queue
):
    """SIGKILL while pages are being made; a new consumer finishes the batch: every page
    once, each poster printed once."""
    url = f"sqlite:///{tmp_path}/queue.db"
    on_queue(url)
    posters = queued_posters(make_venue, office, 30)
    slow = {"BATCH_CHUNK": 3, "BATCH_TEST_PAGE_DELAY": 0.2, "BATCH_LEASE_SECONDS": 3}
    assert client.post("/posters/queue/print").status_code == 303
    batch_id = db.session.scalar(select(PosterBatch.id))
    with consumer(app, tmp_path, url, **slow) as first:
        wait_for(lambda: fresh(batch_id).done >= 9, "progress", first)
        stop(first, signal.SIGKILL)
    killed = fresh(batch_id)
    assert (killed.state, killed.runs) == ("running", 1) and killed.done < 30
    final = Path(app.config["POSTER_FOLDER"]) / batch_key(killed)
    assert not final.exists() and printed_events() == {}
    lease_over = killed.progress_at + timedelta(seconds=slow["BATCH_LEASE_SECONDS"])
    wait_for(lambda: clock.utcnow() > lease_over, "the lease to run out")

    with consumer(app, tmp_path, url, **slow) as second:
        wait_for(lambda: fresh(batch_id).state == "done", "batch made", second)
    batch = fresh(batch_id)
    assert (batch.runs, batch.done) == (2, 30)
    assert pages(final) == 30
    assert printed_events() == {poster.id: 1 for poster in posters}
    assert {db.session.get(Poster, poster.id).state for poster in posters} == {"printed"}
    assert sorted(path.name for path in final.parent.iterdir()) == [final.name]


def test_make_run_makes_batches_with_no_other_service_and_stops_its_consumer(tmp_path):
    """`make run`: the development server and a consumer beside it; a demo supervisor's
    batch is made; Ctrl-C (SIGINT to the terminal's process group) stops both."""
    port = free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "DATABASE_URL": f"sqlite:///{tmp_path}/demo.db",
        "FIELDAPP_QUEUE_URL": f"sqlite:///{tmp_path}/queue.db",
        "FIELDAPP_POSTER_FOLDER": str(tmp_path / "posters"),
        "FIELDAPP_UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "FIELDAPP_FIGURES_UPLOAD_FOLDER": str(tmp_path / "figure-imports"),
    }
    log = tmp_path / "make-run.log"
    # its own process group, as a terminal's foreground job
    with running(["make", "--no-print-directory", "run"], log, ROOT, env=env) as make:
        base = f"http://127.0.0.1:{port}"
        wait_for_port(port, make, log)
        browser = requests.Session()
        origin = {"Origin": base}

        def token(path: str) -> str:
            return re.search(
                r'name="csrf_token"[^>]*value="([^"]+)"', browser.get(base + path).text
            )[1]

        login = {"username": "supervisor", "password": DEMO_PASSWORD, "csrf_token": token("/login")}
        assert browser.post(base + "/login", data=login, headers=origin).ok
        queue = browser.get(base + "/posters/queue").text
        commune = re.search(r'id="batch-commune".*?<option value="(\d+)"', queue, re.DOTALL)[1]
        form = {"commune": commune, "csrf_token": token("/posters/queue")}
        made = browser.post(base + "/posters/batches", data=form, headers=origin)
        assert "/posters/batches/" in made.url
        wait_for(lambda: "hx-trigger" not in browser.get(made.url).text, "batch made", make)
        assert browser.get(made.url + "/download").headers["Content-Type"] == "application/pdf"

        os.killpg(make.pid, signal.SIGINT)  # Ctrl-C
        make.wait(timeout=DEADLINE_S)
        wait_for(lambda: not _group_alive(make.pid), "make run's processes to stop")


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True
