"""Whole-process wall time of `grade exercise3 --submission solutions/exercise3.py`, cold, median of 10.

Target (DESIGN.md): <= 0.5 s on the 2-core development machine. For scale the same run times a bare
`python -c "import numpy"`, the floor of any NumPy grader, and prints the ratio.

    python bench/bench_grade.py [runs]
"""

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def wall(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def median_wall(command: list[str], cwd: Path, runs: int) -> float:
    wall(command, cwd)  # the first run compiles .pyc files; every later run is a fresh process
    return statistics.median(wall(command, cwd) for _ in range(runs))


def main(runs: int = 10) -> None:
    grade = shutil.which("grade", path=str(Path(sys.executable).parent)) or "grade"
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(ROOT / "exercises", Path(tmp) / "exercises")
        submission = str(ROOT / "solutions" / "exercise3.py")
        ours = median_wall([grade, "exercise3", "--submission", submission, "--seed", "1"], Path(tmp), runs)
        floor = median_wall([sys.executable, "-c", "import numpy"], Path(tmp), runs)
    print(f"grade exercise3 (solution, public checks), whole process: median {ours:.3f} s over {runs} runs")
    print(f"python -c 'import numpy':                                 median {floor:.3f} s")
    print(f"ratio grade / import numpy: {ours / floor:.2f}x   (target: grade <= 0.5 s; otter-grader 6.6 s, "
          f"nbgrader 3.2 s here)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
