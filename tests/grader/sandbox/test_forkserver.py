"""The fork server from the user's side: a `grade` that exits before it needs a worker leaves no trace."""

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
GRADE = [sys.executable, "-c", "from grader.cli.main import main; main()"]


def test_an_early_exit_prints_no_traceback_in_50_piped_runs(tmp_path):
    # the fork server starts first thing and is still importing NumPy when a missing file ends the run
    def run(_):
        done = subprocess.run([*GRADE, "exercise3", "--submission", "nope.py"], cwd=tmp_path,
                              env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
                              timeout=60)
        return done.returncode, done.stdout + done.stderr

    with ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(run, range(50)))
    assert [code for code, _ in runs] == [1] * 50
    assert all("submission not found: nope.py" in text for _, text in runs)
    noisy = [text for _, text in runs if "Traceback" in text or "Error:" in text.replace("error:", "")]
    assert not noisy, noisy[0]
