"""Where files live: inspection photos, poster batch PDFs and spreadsheets waiting for their
import, in local folders or in S3-compatible object storage, so that every server shows them.

The FIELDAPP_STORAGE_URL setting chooses: empty (the default), each area is a folder under
instance/ (the UPLOAD_FOLDER, POSTER_FOLDER and FIGURES_UPLOAD_FOLDER settings);
`s3://bucket/prefix`, each area is `prefix/<area>/` in that bucket, reached through boto3 at
FIELDAPP_S3_ENDPOINT_URL (empty: AWS itself) with the standard AWS_* variables for the
credentials and region.

    photos = storage.area("photos")
    photos.put("<uuid>/<name>.jpg", content, {"width": "1600"})
    photos.entries("<uuid>/")  # [Entry(key, size, modified), ...]

Keys are relative to their area and made by the modules that own them (photos.py,
posters/service.py, uploads.py): a key never starts with "/" nor holds "..".
"""

import contextlib
import mimetypes
import os
import shutil
import uuid as uuid_module
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Protocol
from urllib.parse import urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from flask import Response, abort, current_app, request
from werkzeug.wsgi import wrap_file

from fieldapp.config import SettingError

# The areas and, for local storage, the setting naming each one's folder.
AREAS = {
    "photos": "UPLOAD_FOLDER",
    "posters": "POSTER_FOLDER",
    "figures": "FIGURES_UPLOAD_FOLDER",
}
# What boto3 raises when the object storage does not answer (or refuses): the request that
# needed it answers 503 (fieldapp/__init__.py), and the phone's outbox sends again later.
UNAVAILABLE = (BotoCoreError, ClientError)
PART_SUFFIX = ".part"  # a local file being written; never listed
WORK_PREFIX = ".work-"  # a local folder of work files (a batch being made); never listed


def _is_work(name: str) -> bool:
    """A file or folder in a local area that is work in progress, not stored content: hidden
    (WORK_PREFIX), or a part being written (PART_SUFFIX, or a folder of parts "*.part-*")."""
    return name.startswith(".") or name.endswith(PART_SUFFIX) or ".part-" in name


class StorageSettingError(SettingError):
    """FIELDAPP_STORAGE_URL is neither empty nor s3://bucket[/prefix]."""


@dataclass
class Entry:
    """One stored file: its key in the area, size in bytes, last change (a time.time() value)
    and, when asked for one file (`stat`), the metadata it was stored with."""

    key: str
    size: int
    modified: float
    metadata: dict[str, str] = field(default_factory=dict)


class Store(Protocol):
    """What every backend does; "missing" is FileNotFoundError, as for a file."""

    def put(self, key: str, content: bytes, metadata: dict | None = None) -> None:
        """Store `content` under `key`, replacing it; readers see the old or the new
        whole, never a part."""

    def put_file(self, key: str, path: Path, metadata: dict | None = None) -> None:
        """Store a local file (a large one is not read into memory)."""

    def read(self, key: str) -> bytes:
        """The stored bytes."""

    def stream(self, key: str) -> tuple[BinaryIO, int]:
        """A readable binary stream of the stored bytes (close it), and their size."""

    def stat(self, key: str) -> Entry | None:
        """Size, time and metadata of a key; None if nothing is stored there."""

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Remove a key; nothing happens if it is not there."""

    def entries(self, prefix: str = "") -> list[Entry]:
        """Every key starting with `prefix`, in key order (metadata not included)."""


def _checked_key(key: str) -> str:
    parts = key.split("/")
    if not key or key.startswith("/") or any(part in ("", ".", "..") for part in parts):
        raise ValueError(f"not a storage key: {key!r}")
    return key


class LocalStore:
    """An area in a local folder. Metadata is not kept: the local files are read cheaply."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / _checked_key(key)

    def put(self, key: str, content: bytes, metadata: dict | None = None) -> None:
        self._replace(key, lambda partial: partial.write_bytes(content))

    def put_file(self, key: str, path: Path, metadata: dict | None = None) -> None:
        self._replace(key, lambda partial: shutil.copyfile(path, partial))

    def _replace(self, key: str, write: Callable[[Path], object]) -> None:
        target = self.path(key)
        # Written aside then renamed: a reader never sees half a file. The folder is made
        # again if a cleaning removed it meanwhile (see delete).
        for attempt in range(2):
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(f"{target.name}.{uuid_module.uuid4().hex}{PART_SUFFIX}")
            try:
                write(partial)
                partial.replace(target)
                return
            except FileNotFoundError:
                partial.unlink(missing_ok=True)
                if attempt:
                    raise

    def read(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def stream(self, key: str) -> tuple[BinaryIO, int]:
        opened = self.path(key).open("rb")
        return opened, os.fstat(opened.fileno()).st_size

    def stat(self, key: str) -> Entry | None:
        path = self.path(key)
        try:
            found = path.stat() if path.is_file() else None
        except FileNotFoundError:  # removed meanwhile
            found = None
        return Entry(key, found.st_size, found.st_mtime) if found else None

    def exists(self, key: str) -> bool:
        return self.stat(key) is not None

    def delete(self, key: str) -> None:
        path = self.path(key)
        path.unlink(missing_ok=True)
        # A folder left empty goes too (an upload folder whose photos were all removed).
        if path.parent != self.root:
            with contextlib.suppress(OSError):
                path.parent.rmdir()

    def entries(self, prefix: str = "") -> list[Entry]:
        if not self.root.is_dir():
            return []
        # Only the folder the prefix points into is walked, not the whole area.
        start = self.root / prefix.rpartition("/")[0] if "/" in prefix else self.root
        if ".." in Path(prefix).parts or not start.is_dir():
            return []
        found = []
        for folder, dirs, files in os.walk(start):
            dirs[:] = [name for name in dirs if not _is_work(name)]
            for name in files:
                path = Path(folder) / name
                key = path.relative_to(self.root).as_posix()
                if not key.startswith(prefix) or _is_work(name):
                    continue
                with contextlib.suppress(FileNotFoundError):  # removed while listed
                    info = path.stat()
                    found.append(Entry(key, info.st_size, info.st_mtime))
        return sorted(found, key=lambda entry: entry.key)


class S3Store:
    """An area under a prefix of an S3 bucket. Metadata is kept with each object (read
    back by `stat`), so a photo's size in pixels needs no download."""

    def __init__(self, client, bucket: str, prefix: str):
        self.client, self.bucket, self.prefix = client, bucket, prefix

    def _name(self, key: str) -> str:
        return self.prefix + _checked_key(key)

    def put(self, key: str, content: bytes, metadata: dict | None = None) -> None:
        self.client.put_object(
            Bucket=self.bucket, Key=self._name(key), Body=content, **_object_args(key, metadata)
        )

    def put_file(self, key: str, path: Path, metadata: dict | None = None) -> None:
        # boto3's transfer sends a large file in parts; the object appears once complete.
        self.client.upload_file(
            str(path), self.bucket, self._name(key), ExtraArgs=_object_args(key, metadata)
        )

    def _get(self, key: str):
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError as error:
            if _missing(error):
                raise FileNotFoundError(key) from None
            raise

    def read(self, key: str) -> bytes:
        body = self._get(key)["Body"]
        try:
            return body.read()
        finally:
            body.close()

    def stream(self, key: str) -> tuple[BinaryIO, int]:
        found = self._get(key)
        return found["Body"], found["ContentLength"]

    def stat(self, key: str) -> Entry | None:
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError as error:
            if _missing(error):
                return None
            raise
        return Entry(
            key, head["ContentLength"], head["LastModified"].timestamp(), head.get("Metadata", {})
        )

    def exists(self, key: str) -> bool:
        return self.stat(key) is not None

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))

    def entries(self, prefix: str = "") -> list[Entry]:
        found = []
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix + prefix
        )
        for page in pages:
            found.extend(
                Entry(
                    item["Key"].removeprefix(self.prefix),
                    item["Size"],
                    item["LastModified"].timestamp(),
                )
                for item in page.get("Contents", [])
            )
        return sorted(found, key=lambda entry: entry.key)


def _object_args(key: str, metadata: dict | None) -> dict:
    """An object's metadata (as text) and its type, named by its key's suffix."""
    return {
        "Metadata": {str(name): str(value) for name, value in (metadata or {}).items()},
        "ContentType": mimetypes.guess_type(key)[0] or "application/octet-stream",
    }


def _missing(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound")


@dataclass(frozen=True)
class S3Location:
    bucket: str
    prefix: str  # "" or ending with "/"


def s3_location(url: str) -> S3Location | None:
    """Where FIELDAPP_STORAGE_URL points: None for local folders (empty), else the bucket and
    prefix of `s3://bucket/prefix`; StorageSettingError for anything else."""
    if not url.strip():
        return None
    parts = urlsplit(url.strip())
    if parts.scheme != "s3" or not parts.netloc or parts.query or parts.fragment:
        raise StorageSettingError(
            f"FIELDAPP_STORAGE_URL={url!r}: leave it empty (local folders) or write "
            "s3://bucket/prefix."
        )
    prefix = parts.path.strip("/")
    return S3Location(parts.netloc, f"{prefix}/" if prefix else "")


def check_settings(config) -> None:
    """Stop the app at start on a storage URL it cannot use (StorageSettingError)."""
    s3_location(config["STORAGE_URL"])


# One boto3 client per process and place: clients are thread-safe, and making one costs
# more than most requests.
_clients: dict[tuple, object] = {}
REQUEST_CONFIG = Config(
    connect_timeout=5,
    read_timeout=60,
    retries={"max_attempts": 3, "mode": "standard"},
    # Checksums only where S3 requires them: older S3-compatible servers refuse the others.
    request_checksum_calculation="when_required",
    response_checksum_validation="when_required",
)
# The health check answers quickly, once: a load balancer is waiting.
CHECK_CONFIG = REQUEST_CONFIG.merge(
    Config(connect_timeout=2, read_timeout=3, retries={"max_attempts": 1, "mode": "standard"})
)


# Another endpoint than AWS (MinIO, Ceph, moto...) is addressed by path: bucket names are not
# in its DNS. AWS itself is addressed by host name, as it asks.
PATH_STYLE = Config(s3={"addressing_style": "path"})


def _client(endpoint: str, config: Config = REQUEST_CONFIG):
    key = (endpoint, id(config), os.environ.get("AWS_ACCESS_KEY_ID"))
    if key not in _clients:
        _clients[key] = boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint or None,
            config=config.merge(PATH_STYLE) if endpoint else config,
        )
    return _clients[key]


def area(name: str) -> Store:
    """The store of an area ("photos", "posters" or "figures") for the app's settings."""
    config = current_app.config
    location = s3_location(config["STORAGE_URL"])
    if location is None:
        return LocalStore(config[AREAS[name]])
    return S3Store(_client(config["S3_ENDPOINT_URL"]), location.bucket, f"{location.prefix}{name}/")


def is_local() -> bool:
    """True when the areas are local folders (FIELDAPP_STORAGE_URL empty)."""
    return s3_location(current_app.config["STORAGE_URL"]) is None


def check() -> bool:
    """Whether files can be stored now: the local folders are writable, or the bucket
    answers. For /healthz: True or False, no details."""
    config = current_app.config
    try:
        location = s3_location(config["STORAGE_URL"])
        if location is None:
            folders = [Path(config[setting]) for setting in AREAS.values()]
            # The photos' folder is made at start; the others when first used.
            return Path(config["UPLOAD_FOLDER"]).is_dir() and all(
                os.access(folder, os.W_OK) for folder in folders if folder.exists()
            )
        _client(config["S3_ENDPOINT_URL"], CHECK_CONFIG).head_bucket(Bucket=location.bucket)
    except (BotoCoreError, ClientError, OSError, ValueError):
        return False
    return True


def send(store: Store, key: str, mimetype: str, download_name: str | None = None) -> Response:
    """A stored file as the answer to the current request, streamed from its store (never a
    redirect: files leave only through the app's access-checked routes); 404 if missing."""
    try:
        stream, size = store.stream(key)
    except FileNotFoundError:
        abort(404)
    except (BotoCoreError, ClientError):  # the object storage does not answer: try later
        abort(503)
    response = Response(
        wrap_file(request.environ, stream), mimetype=mimetype, direct_passthrough=True
    )
    response.content_length = size
    if download_name:
        response.headers.set("Content-Disposition", "attachment", filename=download_name)
    return response


@dataclass
class Copied:
    """What copying a local area into object storage did."""

    copied: int = 0
    skipped: int = 0  # already there with the same size
    bytes_copied: int = 0


def copy_local_area(
    name: str, describe: Callable[[Path], dict] | None = None, progress=None
) -> Copied:
    """Copy an area's local folder (today's setting, e.g. UPLOAD_FOLDER) into the object
    storage FIELDAPP_STORAGE_URL names, skipping each file already there with the same
    size: run again, it copies only what is new or was cut short. `describe(path)` gives a
    file's metadata (a photo's size in pixels). Local files are left as they are."""
    if is_local():
        raise StorageSettingError("FIELDAPP_STORAGE_URL names no object storage to copy into.")
    source, target = LocalStore(current_app.config[AREAS[name]]), area(name)
    there = {entry.key: entry.size for entry in target.entries()}
    done = Copied()
    for entry in source.entries():
        if there.get(entry.key) == entry.size:
            done.skipped += 1
            continue
        path = source.path(entry.key)
        target.put_file(entry.key, path, describe(path) if describe else None)
        done.copied += 1
        done.bytes_copied += entry.size
        if progress:
            progress(entry.key)
    return done
