"""A security check of the code, run by the test command: bandit, where any finding of high
severity fails. (The locked packages are checked by `make audit`, which `make test` runs.)"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


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
