"""Settings from the environment, and files the set-up puts into the app."""
from pathlib import Path

from fieldapp.config import ROOT, load_config
from fieldapp.posters.render import FONT_FILES


def test_poster_fonts_are_read_from_the_app_not_from_node_modules(tmp_path):
    font_dir = Path(load_config(tmp_path)["POSTER_FONT_DIR"])
    assert font_dir.is_relative_to(ROOT / "static" / "vendor")
    assert "node_modules" not in font_dir.parts
    for name in FONT_FILES.values():
        assert (font_dir / name).is_file(), name
