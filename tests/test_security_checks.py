"""Security checks of the code and of the locked packages, run by the test command.

bandit reads the code: any finding of high severity fails. pip-audit looks the locked
versions up in PyPI's vulnerability data: any known vulnerability fails; where that data
cannot be reached (no internet), the test is skipped and says so, never passed silently.
"""

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# pip-audit asks for each name and version in this form.
VULNERABILITY_DATA = "https://pypi.org/pypi/flask/3.1.3/json"


def test_bandit_finds_nothing_of_high_severity():
    result = subprocess.run(
        [BIN / "bandit", "-r", "fieldapp", "-x", "fieldapp/migrations", "-f", "json", "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    report = json.loads(result.stdout)
    high = [
        f"{issue['filename']}:{issue['line_number']} {issue['test_id']} {issue['issue_text']}"
        for issue in report["results"]
        if issue["issue_severity"] == "HIGH"
    ]
    assert report["metrics"]["_totals"]["loc"] > 1000, "bandit read no code"
    assert high == []


def _vulnerability_data_reachable() -> bool:
    try:
        with urllib.request.urlopen(VULNERABILITY_DATA, timeout=10) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.mark.parametrize("locked", ["requirements.txt", "tests/requirements.txt"])
def test_locked_packages_have_no_known_vulnerability(locked):
    if not _vulnerability_data_reachable():
        pytest.skip(
            f"pip-audit SKIPPED for {locked}: PyPI's vulnerability data ({VULNERABILITY_DATA}) "
            "cannot be reached from this machine; run `make test` where it can."
        )
    result = subprocess.run(
        [
            BIN / "pip-audit",
            "--requirement",
            locked,
            "--disable-pip",
            "--no-deps",
            "--strict",
            "--progress-spinner",
            "off",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
