"""Spreadsheets kept on the server between their preview and their import.

The preview page carries only a token; the file stays in a folder, named after its owner, so
a user can confirm only their own upload. Files never imported are dropped after a day.
"""

import secrets
import time
from pathlib import Path

KEPT_FOR = 24 * 3600  # seconds a previewed spreadsheet waits for its import
SUFFIXES = (".csv", ".xlsx", ".xlsm", ".txt")


class UploadStore:
    """The folder of previewed spreadsheets (the FIGURES_UPLOAD_FOLDER setting)."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)

    def keep(self, owner_id: int, filename: str, content: bytes) -> str:
        """Save an upload for its owner; returns the token its preview carries."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self.forget_old()
        token = secrets.token_urlsafe(12)
        suffix = Path(filename).suffix.lower()
        (self.folder / f"u{owner_id}-{token}{suffix}").write_bytes(content)
        return token

    def find(self, owner_id: int, token: str | None) -> Path | None:
        """The owner's upload with this token; None if it expired or is someone else's."""
        if not token or len(token) > 64 or not token.replace("-", "").replace("_", "").isalnum():
            return None
        if not self.folder.is_dir():
            return None
        matches = list(self.folder.glob(f"u{owner_id}-{token}.*"))
        return matches[0] if matches else None

    def forget_old(self) -> None:
        """Previews never imported leave their file behind: drop those older than a day."""
        # File ages are the file system's, measured by the same operating-system clock.
        limit = time.time() - KEPT_FOR
        for path in self.folder.glob("u*-*.*"):
            try:
                if path.stat().st_mtime < limit:
                    path.unlink()
            except OSError:  # another request removed it first
                continue


def is_spreadsheet_name(filename: str) -> bool:
    """Whether an uploaded file's name is one of a CSV or XLSX spreadsheet."""
    return Path(filename or "").suffix.lower() in SUFFIXES
