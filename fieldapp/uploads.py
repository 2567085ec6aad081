"""Spreadsheets kept between their preview and their import, and opening uploaded photos.

The preview page carries only a token; the file waits in the storage's "figures" area
(fieldapp/storage.py: the FIGURES_UPLOAD_FOLDER folder, or object storage, so the import may
reach another server than the preview), named after its owner, so a user can confirm only
their own upload. Files never imported are dropped after a day.
"""

import io
import secrets
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError

from fieldapp import storage

KEPT_FOR = 24 * 3600  # seconds a previewed spreadsheet waits for its import
SUFFIXES = (".csv", ".xlsx", ".xlsm", ".txt")


class UploadRefused(Exception):
    """Nothing to preview: no file chosen, the kept one expired, or not a spreadsheet."""


@dataclass
class Received:
    content: bytes  # the kept file's bytes
    name: str  # its name where it is kept; its suffix tells CSV from XLSX
    token: str  # what the preview page carries to find it again
    source: str  # the file's name as the user chose it


class UploadStore:
    """The previewed spreadsheets, in the storage's "figures" area."""

    def __init__(self, store: storage.Store | None = None):
        self.store = store if store is not None else storage.area("figures")

    def keep(self, owner_id: int, filename: str, content: bytes) -> tuple[str, str]:
        """Save an upload for its owner; returns the token its preview carries, and the
        name it is kept under."""
        self.forget_old()
        token = secrets.token_urlsafe(12)
        name = f"u{owner_id}-{token}{Path(filename).suffix.lower()}"
        self.store.put(name, content)
        return token, name

    def find(self, owner_id: int, token: str | None) -> str | None:
        """The name of the owner's upload with this token; None if it expired or is someone
        else's."""
        if not token or len(token) > 64 or not token.replace("-", "").replace("_", "").isalnum():
            return None
        matches = self.store.entries(f"u{owner_id}-{token}.")
        return matches[0].key if matches else None

    def receive(self, owner_id: int, form, files) -> Received:
        """The spreadsheet a preview form refers to: the one kept under its `token` (the form
        was sent again to map columns or confirm), or else its newly uploaded `file`, kept now."""
        token, source, upload = form.get("token", ""), form.get("source", ""), files.get("file")
        kept = self.find(owner_id, token) if token else None
        if kept is not None:
            try:
                return Received(self.store.read(kept), kept, token, source[:200] or kept)
            except FileNotFoundError:  # imported or dropped meanwhile
                kept = None
        if upload is None or not upload.filename:
            raise UploadRefused(
                _l("The uploaded file has expired; choose it again.")
                if token
                else _l("Choose the spreadsheet to import.")
            )
        if not is_spreadsheet_name(upload.filename):
            raise UploadRefused(_l("Choose a CSV or XLSX file."))
        content = upload.read()
        token, name = self.keep(owner_id, upload.filename, content)
        return Received(content, name, token, upload.filename)

    def discard(self, received: Received) -> None:
        """Drop a kept spreadsheet once imported, or refused."""
        self.forget(received.name)

    def read(self, name: str) -> bytes:
        """A kept spreadsheet's bytes, by the name it is kept under (a job imports it);
        FileNotFoundError once it is gone."""
        return self.store.read(name)

    def forget(self, name: str) -> None:
        """Drop a kept spreadsheet by its name."""
        self.store.delete(name)

    def forget_old(self) -> None:
        """Previews never imported leave their file behind: drop those older than a day."""
        # File ages are the storage's, compared with the operating system's clock.
        limit = time.time() - KEPT_FOR
        for entry in self.store.entries("u"):
            if entry.modified < limit:
                self.store.delete(entry.key)


# Photos are opened only in these formats: Pillow's other decoders (TIFF, PSD, EPS...) are
# never reached by an upload.
PHOTO_FORMATS = ("JPEG", "PNG", "WEBP")


class NotAnImage(Exception):
    """Bytes that are not a JPEG, PNG or WebP image."""


class TooManyPixels(Exception):
    """An image whose header announces more pixels than the limit: refused undecoded."""


def open_photo(raw: bytes, max_pixels: int) -> Image.Image:
    """An uploaded JPEG, PNG or WebP image, decoded only once its header's size is within
    `max_pixels` (the MAX_PHOTO_PIXELS setting): a few kilobytes of PNG can announce
    10,000 × 10,000 pixels, hundreds of megabytes once decoded."""
    try:
        with warnings.catch_warnings():
            # Pillow warns of large images; the limit below refuses them.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(raw), formats=PHOTO_FORMATS)
    except Image.DecompressionBombError:
        raise TooManyPixels() from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise NotAnImage() from None
    width, height = image.size
    if width * height > max_pixels:
        image.close()
        raise TooManyPixels()
    try:
        image.verify()  # the file's structure, before its pixels are decoded
        image = Image.open(io.BytesIO(raw), formats=PHOTO_FORMATS)
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise NotAnImage() from None
    return image


def is_spreadsheet_name(filename: str) -> bool:
    """Whether an uploaded file's name is one of a CSV or XLSX spreadsheet."""
    return Path(filename or "").suffix.lower() in SUFFIXES
