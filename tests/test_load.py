"""The load and fault runs of bench/load.py, short: 20 inspectors and 2 supervisors for
10 seconds against gunicorn (two workers) on PostgreSQL, one fault per test. Asserts what
must hold whatever the machine's speed (never a time): no finding lost or doubled, every
acknowledged finding recorded once with its photo, no 500, every failed request within
the fault and sent again successfully, and findings recorded after the fault.

The client is bench/load.py's own (loaded from its file: bench/ is not a package).
Marked `topology`: it runs once, in the SQLite run of the suite (it brings its own
PostgreSQL); the PostgreSQL run leaves it out (`-m "not topology"`).
"""

import importlib.util
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from fieldapp.config import ROOT

pytestmark = pytest.mark.topology

_spec = importlib.util.spec_from_file_location("bench_load", ROOT / "bench" / "load.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)

USERS, SUPERVISORS, SECONDS, WORKERS = 20, 2, 10, 2


@pytest.fixture(scope="module")
def province() -> Iterator[tuple[str, Path, object]]:
    """PostgreSQL with a small generated province; one for the module's runs."""
    with bench.restartable_postgresql() as url, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        place = bench.generate(
            url, folder, venues=3000, inspectors=USERS, supervisors=SUPERVISORS, history=3000
        )
        yield url, folder, place


def run(province, fault: str):
    url, folder, place = province
    server_folder = folder / fault
    server_folder.mkdir()
    with bench.gunicorn(url, server_folder, workers=WORKERS, threads=4) as app:
        return bench.load(
            app,
            place,
            fault,
            USERS,
            SUPERVISORS,
            SECONDS,
            pace=bench.QUICK,
            seed=13,
            one_finding_each=True,  # some findings to check, however loaded the machine
        )


def assert_nothing_lost_or_doubled(outcome) -> None:
    """Every acknowledged finding exactly once with its photo; no request left failed."""
    run, found = outcome.run, outcome.findings
    print(bench.report(outcome))  # shown when the test fails (or with -s)
    assert found.acknowledged > 0, "no finding was recorded"
    assert not found.missing, f"acknowledged but not recorded: {found.missing}"
    assert not found.doubled, f"recorded twice: {found.doubled}"
    assert not found.without_one_photo, found.without_one_photo
    assert not run.gave_up, [[(a.kind, a.status) for a in failed] for failed in run.gave_up]
    # The clients sent everything again until it was acknowledged: nothing recorded unsaid.
    assert not found.unacknowledged, found.unacknowledged
    assert not run.unexpected, [(a.kind, a.status) for a in run.unexpected]  # no 409, no 4xx
    assert run.wrong_user_header == 0  # the outbox's answers name the user who sent
    assert not [a for a in run.attempts if a.status == 500]
    unexplained = outcome.unexplained()
    assert not unexplained, [(a.kind, a.status) for a in unexplained]
    for failed in run.recovered:  # each failed request was answered in the end
        assert isinstance(failed[-1].status, int) and failed[-1].status < 500


def acknowledged_after(outcome, moment: float) -> int:
    return sum(1 for at, _status in outcome.run.acknowledged.values() if at > moment)


def test_a_worker_killed_under_load_loses_no_finding(province):
    outcome = run(province, "kill-worker")
    assert_nothing_lost_or_doubled(outcome)
    (window,) = outcome.windows
    # The master replaced the killed worker, and findings kept coming after.
    assert len(outcome.workers_after) == WORKERS
    assert len(set(outcome.workers_before) & set(outcome.workers_after)) == WORKERS - 1
    assert acknowledged_after(outcome, window.ended) > 0
    assert not outcome.server_errors()  # no proxy in front: the dead worker's are cut


def test_answers_lost_after_the_commit_are_sent_again_and_found_recorded(province):
    outcome = run(province, "drop-after-commit")
    assert_nothing_lost_or_doubled(outcome)
    assert outcome.dropped > 0
    # The retry found the finding the lost answer was about: the existing one, not a copy.
    assert outcome.run.exists_after_retry > 0
    assert not outcome.server_errors()


def test_postgresql_restarted_under_load_gives_503s_and_loses_no_finding(province):
    outcome = run(province, "restart-postgres")
    assert_nothing_lost_or_doubled(outcome)
    (window,) = outcome.windows
    assert {a.status for a in outcome.server_errors()} <= {503}
    # The pool recovered: findings recorded after the restart.
    assert acknowledged_after(outcome, window.ended) > 0


def test_the_simulated_typing_waits_as_long_as_the_search_box():
    """bench/load.py's inspectors send a search when typing pauses as long as the page's
    htmx delay: the two must not drift apart."""
    page = (ROOT / "templates" / "venues" / "search.html").read_text()
    assert f"input changed delay:{round(bench.SEARCH_DELAY_S * 1000)}ms" in page
