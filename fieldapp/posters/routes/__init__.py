"""Posters' pages, one module per job, on one blueprint:

- printing.py: a venue's poster (PDF, PNG, an issued version), app-issued codes, and
  replacements issued from a finding;
- batches.py: the office's print queue, delivered posters, and print batches;
- scanning.py: checking a posted code against the registry.
"""

from pathlib import Path

from flask import Blueprint, abort, current_app, request

from fieldapp.posters.render import PAGE_SIZES, register_fonts

bp = Blueprint("posters", __name__)


def page_size() -> str:
    """The paper size asked for (?size= or the form's), A4 unless given; 400 if unknown."""
    size = request.values.get("size", "A4").upper()
    if size not in PAGE_SIZES:
        abort(400)
    return size


def load_fonts() -> None:
    register_fonts(Path(current_app.config["POSTER_FONT_DIR"]))


# The views register themselves on bp, which they import from here: so they come last.
from fieldapp.posters.routes import batches, printing, scanning  # noqa: E402,F401
