"""Benchmark: venue search on a district of 10,000 venues (prints figures, asserts nothing).

Run: .venv/bin/python bench/search_venues.py [--venues 10000]
"""

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade

from fieldapp import create_app
from fieldapp.extensions import db
from fieldapp.models import Commune, District, Province, Venue
from fieldapp.venues.service import search_venues

WORDS = [
    "Chợ",
    "Trường",
    "Cửa hàng",
    "Nhà văn hóa",
    "Trạm Y tế",
    "Công ty",
    "Nhà nghỉ",
    "Sơn",
    "Hà",
    "Lư",
    "Mường",
    "Xuân",
    "Thượng",
    "Tiến",
    "Điện",
    "Thủy",
    "Mèo",
    "Bản",
]
QUERIES = ["son ha", "cho", "truong thcs", "QS-000123", "nha van hoa ban", "muong min", "xyz"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--venues", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    rng = random.Random(1)
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db",
                "UPLOAD_FOLDER": f"{tmp}/uploads",
            }
        )
        with app.app_context():
            upgrade()
            district = District(name="Quan Sơn", province=Province(name="Thanh Hóa"))
            communes = [Commune(name=f"Xã {n}", district=district) for n in range(12)]
            db.session.add_all(communes)
            db.session.flush()
            for n in range(args.venues):
                name = " ".join(rng.sample(WORDS, 3))
                db.session.add(
                    Venue(
                        code=f"QS-{n:06d}",
                        name=name,
                        venue_type="shop",
                        commune_id=rng.choice(communes).id,
                        address=f"Bản {rng.choice(WORDS)}",
                    )
                )
            db.session.commit()
            print(
                f"venue search, SQLite, {args.venues} venues, page of 30, "
                f"median of {args.repeat} runs"
            )
            for query in QUERIES:
                times = []
                for _ in range(args.repeat):
                    start = time.perf_counter()
                    result = search_venues(district.id, query)
                    times.append(time.perf_counter() - start)
                print(
                    f"  {query!r:22} {result.total:6d} matches  "
                    f"{statistics.median(times) * 1000:7.2f} ms"
                )


if __name__ == "__main__":
    main()
