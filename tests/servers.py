"""Real servers for the tests, from Debian's packages (and moto's S3 server from PyPI): each
started in a temporary folder of its own, on a free local port, and stopped afterwards, even
when a test fails. `make test` installs the packages (the Makefile's system-packages).

    with postgresql() as url: ...        # an SQLAlchemy URL to an empty database
    with redis() as url: ...             # redis://127.0.0.1:<port>/0
    with s3() as endpoint: ...           # http://127.0.0.1:<port>, any key and secret
"""

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

START_TIMEOUT_S = 60


def free_port() -> int:
    """A local TCP port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, log: Path) -> None:
    """Return once something accepts connections on the port; fail with the server's log
    if the process ends first or the port never opens."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} stopped at start:\n{log.read_text()[-3000:]}")
        with socket.socket() as sock:
            sock.settimeout(0.5)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{process.args[0]} did not open port {port}:\n{log.read_text()[-3000:]}")


def stop(process: subprocess.Popen, how: int = signal.SIGTERM) -> None:
    """Stop a server and whatever it started (its process group), gently then firmly."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, how)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@contextlib.contextmanager
def running(
    command: list[str],
    log: Path,
    cwd: Path,
    user: str | None = None,
    env: dict | None = None,
    stop_signal: int = signal.SIGTERM,
) -> Iterator[subprocess.Popen]:
    """Run `command` in the background, its output in `log`, in a process group of its own;
    stopped (with whatever it started) with `stop_signal` afterwards."""
    with log.open("ab") as output:
        process = subprocess.Popen(
            command,
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=cwd,
            env={**os.environ, **(env or {})},
            user=user,
            start_new_session=True,  # its own process group, stopped as one
        )
    process.log = log
    try:
        yield process
    finally:
        stop(process, stop_signal)


@contextlib.contextmanager
def serving(
    command: list[str],
    folder: Path,
    port: int,
    user: str | None = None,
    env: dict | None = None,
    stop_signal: int = signal.SIGTERM,
) -> Iterator[subprocess.Popen]:
    """Run `command` (a server listening on `port`) in `folder`, with its output in
    folder/server.log; yields once the port answers; stopped with `stop_signal` afterwards."""
    log = folder / "server.log"
    with running(command, log, folder, user, env, stop_signal) as process:
        wait_for_port(port, process, log)
        yield process


@contextlib.contextmanager
def server_folder(prefix: str, owner: str | None = None) -> Iterator[Path]:
    """A temporary folder for one server, removed afterwards. Not under pytest's tmp_path:
    that one is private to root, and PostgreSQL runs as another user when we are root."""
    folder = Path(tempfile.mkdtemp(prefix=f"fieldapp-{prefix}-"))
    try:
        if owner:
            entry = pwd.getpwnam(owner)
            os.chown(folder, entry.pw_uid, entry.pw_gid)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def postgres_program(name: str) -> str:
    """A PostgreSQL server program (initdb, postgres) of the newest installed version."""
    found = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda path: int(path.parent.parent.name),
    )
    if found:
        return str(found[-1])
    program = shutil.which(name)
    if not program:
        raise RuntimeError(
            f"PostgreSQL's {name} is missing: `make test` installs Debian's postgresql."
        )
    return program


@contextlib.contextmanager
def postgresql(**settings: str) -> Iterator[str]:
    """A PostgreSQL server on a fresh data folder; yields the SQLAlchemy URL of its
    `fieldapp` database (owned by the superuser `fieldapp`, no password: local only).

    Durability is switched off (fsync, full-page writes): test data need not survive a
    power cut, and the suite runs several times faster. `settings` are more server
    settings (the benchmarks give production's memory sizes: deploy/compose.yaml)."""
    # PostgreSQL refuses to run as root: as root, it runs as the package's `postgres` user.
    user = "postgres" if os.geteuid() == 0 else None
    with server_folder("postgresql", owner=user) as folder:
        data, port = folder / "data", free_port()
        subprocess.run(
            [
                postgres_program("initdb"),
                "--pgdata", str(data),
                "--username", "fieldapp",
                "--auth", "trust",
                "--encoding", "UTF8",
                "--locale", "C.UTF-8",
            ],
            check=True,
            capture_output=True,
            user=user,
            cwd=folder,
        )  # fmt: skip
        command = [
            postgres_program("postgres"),
            "-D", str(data),
            "-p", str(port),
            "-k", str(folder),  # its Unix socket, private to this server
            "-c", "listen_addresses=127.0.0.1",
            "-c", "fsync=off",
            "-c", "full_page_writes=off",
            "-c", "synchronous_commit=off",
            "-c", "max_connections=200",
        ]  # fmt: skip
        for name, value in settings.items():
            command += ["-c", f"{name}={value}"]
        # SIGINT: PostgreSQL's fast shutdown, which does not wait for clients to leave.
        with serving(command, folder, port, user=user, stop_signal=signal.SIGINT):
            # The port opens before the server accepts sessions ("the database system is
            # starting up"): try again until the deadline.
            deadline = time.monotonic() + START_TIMEOUT_S
            while True:
                created = subprocess.run(
                    [
                        str(Path(postgres_program("postgres")).parent / "createdb"),
                        "-h", "127.0.0.1", "-p", str(port), "-U", "fieldapp", "fieldapp",
                    ],
                    capture_output=True,
                    text=True,
                )  # fmt: skip
                if created.returncode == 0:
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"createdb failed: {created.stderr}")
                time.sleep(0.2)
            yield f"postgresql+psycopg://fieldapp@127.0.0.1:{port}/fieldapp"


@contextlib.contextmanager
def redis() -> Iterator[str]:
    """A Redis server that keeps nothing on disk; yields its redis:// URL."""
    program = shutil.which("redis-server")
    if not program:
        raise RuntimeError("redis-server is missing: `make test` installs Debian's redis-server.")
    with server_folder("redis") as folder:
        port = free_port()
        command = [
            program,
            "--port", str(port),
            "--bind", "127.0.0.1",
            "--dir", str(folder),
            "--save", "",
            "--appendonly", "no",
        ]  # fmt: skip
        with serving(command, folder, port):
            yield f"redis://127.0.0.1:{port}/0"


@contextlib.contextmanager
def s3() -> Iterator[str]:
    """moto's standalone S3 server (in memory); yields its endpoint URL. It takes any
    access key and secret: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to anything."""
    with server_folder("s3") as folder:
        port = free_port()
        command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
        with serving(command, folder, port):
            yield f"http://127.0.0.1:{port}"
