"""Static assets under fingerprinted URLs, so phones cache them for a year and still
get a new file the moment it changes.

The app's own scripts are written readable in static/js/ and served minified: the
set-up (`make install`) minifies each into static/build/js/ under the same name.
"""

import hashlib
from pathlib import Path

from flask import Flask, has_request_context, request, url_for

YEAR = 365 * 24 * 3600
SCRIPTS = "js/"
MINIFIED_SCRIPTS = "build/js/"


def served_file(filename: str) -> str:
    """The static file sent for `filename`: the minified copy of one of the app's scripts,
    or the file itself."""
    if filename.startswith(SCRIPTS) and filename.endswith(".js"):
        return MINIFIED_SCRIPTS + filename[len(SCRIPTS) :]
    return filename


class AssetVersions:
    """Content hashes of static files, read once per file and process."""

    def __init__(self, static_folder: str):
        self.static_folder = Path(static_folder)
        self.versions: dict[str, str] = {}

    def version(self, filename: str) -> str:
        if filename not in self.versions:
            path = self.static_folder / filename
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12] if path.is_file() else "0"
            self.versions[filename] = digest
        return self.versions[filename]


def init_assets(app: Flask) -> None:
    """Add `asset_url()` to templates and long cache lifetimes to fingerprinted files."""
    versions = AssetVersions(app.static_folder)
    app.extensions["asset_versions"] = versions

    urls: dict[tuple[str, str], str] = {}

    def asset_url(filename: str) -> str:
        served = served_file(filename)
        if not has_request_context():
            return url_for("static", filename=served, v=versions.version(served))
        # A page names the same few files every time: build each URL once per file and
        # script root (the prefix a proxy may mount the app under), like its hash.
        key = (request.script_root, filename)
        url = urls.get(key)
        if url is None:
            url = urls[key] = url_for("static", filename=served, v=versions.version(served))
        return url

    app.jinja_env.globals["asset_url"] = asset_url

    @app.after_request
    def cache_static(response):
        if request.endpoint == "static" and response.status_code in (200, 304):
            if request.args.get("v"):
                response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
            else:
                response.headers["Cache-Control"] = "no-cache"
        return response
