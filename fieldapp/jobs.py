"""The job queue: work longer than a request (poster batches) runs on Huey, outside the web
process, so it survives a restart of the web server and any server may queue it.

`QUEUE_URL` (FIELDAPP_QUEUE_URL) chooses the storage: empty, Huey's SQLite storage in
instance/jobs.db (no extra service); `sqlite:////path/queue.db`, another file;
`redis://host:6379/0`, a Redis server (several machines). `flask --app wsgi jobs-worker`
runs the consumer (fieldapp/cli.py); `JOBS_IMMEDIATE` runs each job at once, in the caller
(the tests).

Tasks are declared with `@jobs.task()` rather than `@huey.task()`: each run gets an app
context of its own (the consumer's app, made once per process by the `flask` command).
"""

import logging
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, current_app, has_app_context
from huey import Huey
from huey.consumer import Consumer
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage

from fieldapp.config import SettingError
from fieldapp.extensions import db

QUEUE_NAME = "fieldapp"
log = logging.getLogger(__name__)


class QueueSettingError(SettingError):
    """A queue setting the app cannot use (FIELDAPP_QUEUE_URL: the app does not start)."""


class _Queue(Huey):
    """Huey whose storage the app chooses (`configure`), opened on first use: making the
    app (a test, `flask db upgrade`) touches no queue."""

    _storage = None
    _open: Callable[[], object] = staticmethod(lambda: MemoryStorage(QUEUE_NAME))

    @property
    def storage(self):
        if self._storage is None:
            self._storage = self._open()
        return self._storage

    @storage.setter
    def storage(self, value):
        self._storage = value

    def create_storage(self):
        return None  # opened by the property above, when first needed


huey = _Queue(QUEUE_NAME, results=False)
_app: Flask | None = None


def storage_opener(url: str, instance_path: str) -> Callable[[], object]:
    """How to open the storage a QUEUE_URL names; QueueSettingError when it names none."""
    if not url:
        path = Path(instance_path) / "jobs.db"
        return lambda: _sqlite(path)
    scheme = urlsplit(url).scheme
    if scheme in ("redis", "rediss", "unix"):
        return lambda: RedisStorage(QUEUE_NAME, url=url)
    if scheme == "sqlite" and url.startswith("sqlite:///") and len(url) > len("sqlite:///"):
        path = Path(url[len("sqlite:///") :])
        return lambda: _sqlite(path)
    raise QueueSettingError(
        f"FIELDAPP_QUEUE_URL={url!r}: use redis://host:port/db, sqlite:////path/to/queue.db, "
        "or leave it empty for instance/jobs.db."
    )


def _sqlite(path: Path) -> SqliteStorage:
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteStorage(QUEUE_NAME, filename=str(path))


def configure(app: Flask) -> None:
    """Point the queue at the app's QUEUE_URL (or run jobs at once with JOBS_IMMEDIATE);
    jobs run in this app's context. The last app made in a process is the one used."""
    global _app
    opener = storage_opener(app.config["QUEUE_URL"], app.instance_path)
    if huey._storage is not None:
        huey._storage.close()
    huey._immediate = bool(app.config["JOBS_IMMEDIATE"])
    huey._open = (lambda: MemoryStorage(QUEUE_NAME)) if huey._immediate else opener
    huey.storage = None
    _app = app


def task(**settings):
    """Declare a job: `@jobs.task()` then `job(args)` queues it (or runs it at once in
    immediate mode). It runs in an app context of its own, as in the consumer."""

    def declare(function):
        @wraps(function)
        def in_app_context(*args, **kwargs):
            app = current_app._get_current_object() if has_app_context() else _app
            with app.app_context():
                return function(*args, **kwargs)

        return huey.task(**settings)(in_app_context)

    return declare


def periodic_task(validate_datetime, **settings):
    """Declare a job the consumer queues by itself (e.g. `crontab()`: every minute, and
    once when it starts)."""

    def declare(function):
        @wraps(function)
        def in_app_context(*args, **kwargs):
            with _app.app_context():
                return function(*args, **kwargs)

        return huey.periodic_task(validate_datetime, **settings)(in_app_context)

    return declare


def consumer(workers: int, worker_type: str) -> Consumer:
    """The consumer of the `jobs-worker` command. SIGTERM (systemd, docker stop) lets the
    running jobs finish first; SIGINT (Ctrl-C) stops at once. A job cut short is taken up
    again by its own recovery (see posters.tasks)."""
    if huey.immediate:
        raise QueueSettingError("FIELDAPP_JOBS_IMMEDIATE is set: there is no queue to consume.")
    if worker_type == "process":

        @huey.on_startup()
        def fresh_connections():  # a forked worker must not use its parent's connections
            with _app.app_context():
                db.engine.dispose(close=False)

    return huey.create_consumer(
        workers=workers, worker_type=worker_type, graceful_signal="TERM", periodic=True
    )


def check() -> bool:
    """Whether the queue's storage answers (for /healthz): True or False, no details."""
    try:
        huey.storage.queue_size()
    except Exception:  # any failure to reach it is "not answering"
        log.warning("the job queue does not answer", exc_info=True)
        return False
    return True
