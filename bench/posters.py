"""Benchmark: poster PDFs (prints figures, asserts nothing).

One poster; a batch of 1,000 (chunked to disk and joined, as the app does); and the
bare `qrcode` make-and-save of the same payloads, so the poster's own overhead shows
as a ratio. Each case runs in a fresh process so its peak memory is its own.

Run: .venv/bin/python bench/posters.py [--batch 1000]
"""

import argparse
import io
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def texts(count):
    from fieldapp.posters.render import PosterText

    for n in range(count):
        yield PosterText(
            payload=f"https://qr.pccovid.gov.vn/v/QS-SH-{n:04d}?k={n * 7919 % 65536:04X}",
            venue_name=f"Cửa hàng tạp hóa Nguyễn Thị Hường số {n}",
            venue_code=f"QS-SH-{n:04d}",
            address="Bản Na Hồ",
            commune="Xã Sơn Hà",
            district="huyện Quan Sơn",
            province="Thanh Hóa",
            issuer="Phòng Văn hóa và Thông tin huyện Quan Sơn",
            serial=f"QS-SH-{n:04d}-v1",
            print_date=date(2026, 11, 22),
        )


def run_case(case: str, count: int) -> dict:
    import qrcode

    from fieldapp.config import load_config
    from fieldapp.posters.render import poster_pdf, register_fonts
    from fieldapp.posters.service import render_batch

    register_fonts(Path(load_config()["POSTER_FONT_DIR"]))
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.pdf"
        if case == "one":
            poster_pdf(list(texts(1)), out)
        elif case == "batch":
            render_batch(texts(count), out, "A4")
        elif case == "bare":
            for text in texts(count):
                buffer = io.BytesIO()
                qrcode.make(text.payload, error_correction=qrcode.constants.ERROR_CORRECT_Q).save(
                    buffer
                )
        size = out.stat().st_size if out.exists() else 0
    return {
        "seconds": time.perf_counter() - start,
        "bytes": size,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "baseline_mb": baseline / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--case")
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.batch)))
        return
    results = {}
    for case in ("one", "bare", "batch"):
        output = subprocess.run(
            [sys.executable, __file__, "--case", case, "--batch", str(args.batch)],
            capture_output=True,
            text=True,
            check=True,
        )
        results[case] = json.loads(output.stdout.strip().splitlines()[-1])
    print(f"posters, A4, Be Vietnam Pro embedded; batch of {args.batch}")
    labels = {
        "one": "one poster PDF",
        "bare": f"bare qrcode make+save x{args.batch}",
        "batch": f"batch PDF of {args.batch} posters",
    }
    for case, label in labels.items():
        r = results[case]
        print(
            f"  {label:34} {r['seconds']:8.2f} s  peak {r['peak_mb']:6.1f} MB "
            f"(process at start {r['baseline_mb']:5.1f} MB)  file {r['bytes'] / 1e6:6.2f} MB"
        )
    ratio = results["batch"]["seconds"] / results["bare"]["seconds"]
    print(f"  poster batch / bare qrcode time: {ratio:.2f}x")


if __name__ == "__main__":
    main()
