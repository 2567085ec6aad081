"""Inspection photos: checked, re-encoded and kept under the upload folder.

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

from fieldapp.uploads import NotAnImage, TooManyPixels, open_photo


class PhotoError(Exception):
    """A file that cannot be kept as a photo; the message is for the user."""


@dataclass
class StoredPhoto:
    path: str  # relative to the upload folder
    width: int
    height: int
    size_bytes: int


def photo_folder(upload_folder: str, inspection_uuid: str) -> Path:
    # The UUID is re-parsed so a forged value cannot point outside the folder.
    return Path(upload_folder) / str(uuid_module.UUID(inspection_uuid))


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
    upload_folder: str, inspection_uuid: str, upload: Upload, max_side: int, max_pixels: int
) -> StoredPhoto:
    """Check that an upload is an image and store it as a JPEG named by its fingerprint.

    The JPEG is written anew from the pixels: no EXIF (place, phone, owner) is kept.
    The same photo sent twice (a retry) lands on the same file, never a second one.
    """
    image = photo_jpeg(upload, max_side, max_pixels)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=82, optimize=True)
    folder = photo_folder(upload_folder, inspection_uuid)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{upload.fingerprint}.jpg"
    if not path.exists():
        # Written aside then renamed: a concurrent retry never reads half a file.
        partial = folder / f"{upload.fingerprint}.{uuid_module.uuid4().hex}.part"
        partial.write_bytes(out.getvalue())
        partial.replace(path)
    return StoredPhoto(f"{folder.name}/{path.name}", image.width, image.height, len(out.getvalue()))


def keep_only(
    upload_folder: str, inspection_uuid: str, fingerprints: set[str], protected: set[str]
) -> list[StoredPhoto]:
    """The form's kept photos reduced to those named; the others are deleted, except those
    `protected` (the recorded finding's: a file a finding uses is never deleted).

    The phone's outbox sends every photo of a finding each time, so a photo it no
    longer sends was removed by the inspector and must not be attached.
    """
    kept = []
    for photo in kept_photos(upload_folder, inspection_uuid):
        if photo_fingerprint(photo.path) in fingerprints:
            kept.append(photo)
        elif photo.path not in protected:
            (Path(upload_folder) / photo.path).unlink(missing_ok=True)
    return kept


def photo_fingerprint(path: str) -> str:
    """The fingerprint a stored photo was named by."""
    return Path(path).stem


def kept_photos(upload_folder: str, inspection_uuid: str) -> list[StoredPhoto]:
    """Photos already kept for a form that has not been recorded yet."""
    try:
        folder = photo_folder(upload_folder, inspection_uuid)
    except (TypeError, ValueError):
        return []
    if not folder.is_dir():
        return []
    photos = []
    for file in sorted(folder.glob("*.jpg"), key=lambda p: p.stat().st_mtime):
        with Image.open(file, formats=["JPEG"]) as image:
            photos.append(
                StoredPhoto(
                    f"{folder.name}/{file.name}", image.width, image.height, file.stat().st_size
                )
            )
    return photos
