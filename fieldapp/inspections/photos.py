"""Inspection photos: checked, re-encoded and kept in the photos' store (fieldapp/storage.py:
the upload folder, or object storage), under the inspection's UUID.

Photos are kept per inspection UUID from the first post of the form, so a form
sent back with an error does not ask the inspector to take them again.
"""

import hashlib
import io
import uuid as uuid_module
from dataclasses import dataclass
from pathlib import Path

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps

from fieldapp import clock
from fieldapp.storage import Entry, Store
from fieldapp.uploads import NotAnImage, TooManyPixels, open_photo


class PhotoError(Exception):
    """A file that cannot be kept as a photo; the message is for the user."""


@dataclass
class StoredPhoto:
    path: str  # its key in the photos' store: "<uuid>/<fingerprint>.jpg"
    width: int
    height: int
    size_bytes: int


def photo_prefix(inspection_uuid: str) -> str:
    """Where a form's photos are kept: "<uuid>/". The UUID is re-parsed so a forged value
    cannot point outside it (ValueError)."""
    return f"{uuid_module.UUID(inspection_uuid)}/"


@dataclass
class Upload:
    """One uploaded file, read once, with the fingerprint of its bytes."""

    filename: str
    raw: bytes

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()[:32]


def read_uploads(files, max_bytes: int) -> tuple[list[Upload], list[str]]:
    """Read the uploaded photos; refuse (with a message) any over the size limit."""
    uploads, errors = [], []
    for file in files:
        if not file or not file.filename:
            continue
        raw = file.stream.read(max_bytes + 1)
        if len(raw) > max_bytes:
            errors.append(
                str(
                    _l(
                        "%(name)s is larger than %(mb)s MB.",
                        name=file.filename,
                        mb=max_bytes // (1024 * 1024),
                    )
                )
            )
        else:
            uploads.append(Upload(file.filename, raw))
    return uploads, errors


def photo_jpeg(upload: Upload, max_side: int, max_pixels: int) -> Image.Image:
    """An upload checked (JPEG, PNG or WebP, at most `max_pixels` by its header) and turned
    upright, in RGB, at most `max_side` pixels on its longest side."""
    try:
        image = open_photo(upload.raw, max_pixels)
        image = ImageOps.exif_transpose(image)
        image = image.convert("RGB")
    except TooManyPixels:
        raise PhotoError(
            _l(
                "%(name)s has more than %(mp)s megapixels: send a smaller photo.",
                name=upload.filename,
                mp=max_pixels // 1_000_000,
            )
        ) from None
    except (NotAnImage, OSError, SyntaxError, ValueError):
        raise PhotoError(
            _l("%(name)s is not a photo (JPEG, PNG or WebP).", name=upload.filename)
        ) from None
    image.thumbnail((max_side, max_side))
    return image


def keep_photo(
    store: Store, inspection_uuid: str, upload: Upload, max_side: int, max_pixels: int
) -> StoredPhoto:
    """Check that an upload is an image and store it as a JPEG named by its fingerprint.

    The JPEG is written anew from the pixels: no EXIF (place, phone, owner) is kept.
    The same photo sent twice (a retry) lands on the same key, never a second one. Its size
    in pixels and the moment it was kept go with it as metadata (object storage keeps them),
    so listing a form's photos reads no photo.
    """
    image = photo_jpeg(upload, max_side, max_pixels)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=82, optimize=True)
    key = f"{photo_prefix(inspection_uuid)}{upload.fingerprint}.jpg"
    if not store.exists(key):
        store.put(
            key,
            out.getvalue(),
            photo_metadata(image.width, image.height, clock.now().timestamp()),
        )
    return StoredPhoto(key, image.width, image.height, len(out.getvalue()))


def photo_metadata(width: int, height: int, kept_at: float) -> dict[str, str]:
    """What a stored photo carries besides its bytes: its size, and when it was kept (for
    the photos' order: object storage's times are to the second)."""
    return {"width": str(width), "height": str(height), "kept-at": f"{kept_at:.6f}"}


def local_photo_metadata(path: Path) -> dict[str, str]:
    """The metadata of a photo kept in a local folder before object storage: its size in
    pixels read from its header, and its file's time. Nothing for a file that is no JPEG."""
    try:
        with Image.open(path, formats=["JPEG"]) as image:
            return photo_metadata(image.width, image.height, path.stat().st_mtime)
    except (OSError, SyntaxError, ValueError):
        return {}


def keep_only(
    store: Store, inspection_uuid: str, fingerprints: set[str], protected: set[str]
) -> list[StoredPhoto]:
    """The form's kept photos reduced to those named; the others are deleted, except those
    `protected` (the recorded finding's: a file a finding uses is never deleted).

    The phone's outbox sends every photo of a finding each time, so a photo it no
    longer sends was removed by the inspector and must not be attached.
    """
    kept = []
    for photo in kept_photos(store, inspection_uuid):
        if photo_fingerprint(photo.path) in fingerprints:
            kept.append(photo)
        elif photo.path not in protected:
            store.delete(photo.path)
    return kept


def photo_fingerprint(path: str) -> str:
    """The fingerprint a stored photo was named by."""
    return Path(path).stem


def kept_photos(store: Store, inspection_uuid: str) -> list[StoredPhoto]:
    """Photos already kept for a form that has not been recorded yet, oldest first."""
    try:
        prefix = photo_prefix(inspection_uuid)
    except (TypeError, ValueError, AttributeError):
        return []
    found = []
    for entry in store.entries(prefix):
        if "/" in entry.key.removeprefix(prefix) or not entry.key.endswith(".jpg"):
            continue
        described = _described(store, entry)
        if described is not None:
            found.append(described)
    return [photo for _order, photo in sorted(found, key=lambda pair: pair[0])]


def _described(store: Store, entry: Entry) -> tuple[tuple, StoredPhoto] | None:
    """A kept photo with its order; its size in pixels from its metadata, or else (a local
    file, or one stored without it) from the JPEG itself."""
    stat = store.stat(entry.key)
    if stat is None:  # removed since it was listed
        return None
    metadata = stat.metadata
    try:
        width, height = int(metadata["width"]), int(metadata["height"])
        kept_at = float(metadata["kept-at"])
    except (KeyError, ValueError):
        try:
            with Image.open(io.BytesIO(store.read(entry.key)), formats=["JPEG"]) as image:
                width, height = image.size
        except FileNotFoundError:
            return None
        kept_at = stat.modified
    return (kept_at, entry.key), StoredPhoto(entry.key, width, height, stat.size)
