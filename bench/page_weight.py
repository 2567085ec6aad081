"""Benchmark: bytes an inspector's phone downloads (prints figures, asserts nothing).

First load (empty cache) of the home page and of the inspection form: the HTML, the
CSS and JS it references and the service worker, each as served (compressed with
gzip, as a phone that asks for gzip gets them); and one htmx search response.
Targets from issue 3: the form's first load at most 40 KB, a search response under 5 KB.

Run: .venv/bin/python bench/page_weight.py
"""

import gzip
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade
from sqlalchemy import select

from fieldapp import create_app
from fieldapp.demo import DEMO_PASSWORD, seed_demo
from fieldapp.extensions import db
from fieldapp.models import Venue

GZIP = {"Accept-Encoding": "gzip"}
ASSET = re.compile(r'(?:src|href)="(/static/[^"]+)"')


def served(client, url, headers=None):
    response = client.get(url, headers={**GZIP, **(headers or {})})
    assert response.status_code == 200, (url, response.status_code)
    return response


def first_load(client, url):
    """Rows of (what, encoding, bytes) for a page opened with an empty cache."""
    page = served(client, url)
    rows = [(url, page.headers.get("Content-Encoding", "identity"), len(page.data))]
    html = (
        gzip.decompress(page.data).decode()
        if page.headers.get("Content-Encoding") == "gzip"
        else page.get_data(as_text=True)
    )
    for asset in dict.fromkeys(ASSET.findall(html)):
        if asset.split("?")[0].endswith((".css", ".js")):
            response = served(client, asset)
            rows.append(
                (
                    asset.split("?")[0],
                    response.headers.get("Content-Encoding", "identity"),
                    len(response.data),
                )
            )
    worker = served(client, "/sw.js")
    rows.append(("/sw.js", worker.headers.get("Content-Encoding", "identity"), len(worker.data)))
    return rows


def report(title, rows, target_kb=None):
    total = sum(size for _, _, size in rows)
    print(f"\n{title}")
    for what, encoding, size in rows:
        print(f"  {what:45} {encoding:9} {size / 1024:7.1f} KB")
    verdict = (
        ""
        if target_kb is None
        else (f"  (target ≤ {target_kb} KB: {'met' if total <= target_kb * 1024 else 'MISSED'})")
    )
    print(f"  {'total':55} {total / 1024:7.1f} KB{verdict}")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db",
                "UPLOAD_FOLDER": f"{tmp}/uploads",
                "WTF_CSRF_ENABLED": False,
            }
        )
        with app.app_context():
            upgrade()
            seed_demo()
            db.session.commit()
            venue_id = db.session.scalar(select(Venue.id).where(Venue.is_active.is_(True)))
        client = app.test_client()
        client.post("/login", data={"username": "inspector", "password": DEMO_PASSWORD})
        report("home page, first load", first_load(client, "/"))
        report(
            "inspection form, first load",
            first_load(client, f"/venues/{venue_id}/inspections/new"),
            target_kb=40,
        )
        search = served(client, "/venues?q=cho", {"HX-Request": "true"})
        report(
            "search as you type ('cho'), one htmx response",
            [
                (
                    "/venues?q=cho",
                    search.headers.get("Content-Encoding", "identity"),
                    len(search.data),
                )
            ],
            target_kb=5,
        )


if __name__ == "__main__":
    main()
