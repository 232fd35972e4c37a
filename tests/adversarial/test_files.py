"""Files that are not Python a student can hand in: refused before any worker starts, with a reason, 0 points.
The large, binary and non-UTF-8 ones are made here rather than kept in the repository."""

import re
import time
from pathlib import Path

import pytest

SUBMISSIONS = Path(__file__).parent / "submissions"
CORRECT = (SUBMISSIONS / "honest_full.py").read_bytes()


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> dict[str, Path]:
    """The generated bad files (made once): name -> path."""
    folder = tmp_path_factory.mktemp("files")
    files = {
        "latin1.py": CORRECT + "# r\xe9sum\xe9: written by an editor set to Latin-1\n".encode("latin-1"),
        "binary.py": b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4,
        "utf16.py": CORRECT.decode().encode("utf-16"),
    }
    paths = {}
    for name, data in files.items():
        paths[name] = folder / name
        paths[name].write_bytes(data)
    huge = folder / "huge.py"
    with open(huge, "wb") as f:  # 50 MB of real text, ending with a correct answer
        f.write(b"# padding padding padding padding padding padding padding padding padding padding\n" * 600_000)
        f.write(CORRECT)
    paths["huge.py"] = huge
    return paths


REASONS = {
    "latin1.py": r"is not UTF-8 text \(byte \d+\)$",
    "binary.py": r"is a binary file, not Python source$",
    "utf16.py": r"is a binary file, not Python source$",
    "huge.py": r"is 4\d\.\d MiB; a submission may be at most 2 MiB$",
    "notebook_not_json.ipynb": r"is not a valid notebook: not JSON \(",
    "notebook_no_code.ipynb": r"has no code cells$",
}


@pytest.mark.parametrize("name", sorted(REASONS))
def test_unusable_files_get_zero_and_the_reason(kit, name, made, nothing_outlives):
    path = made.get(name) or SUBMISSIONS / name
    start = time.monotonic()
    result, _ = kit.grade(path)
    assert time.monotonic() - start < 1.0  # refused before anything runs
    nothing_outlives()
    assert result["score"] == 0 and result["max_score"] == 13 and result["tests"] == []
    assert str(path) in result["error"]
    assert re.search(REASONS[name], result["error"]), result["error"]
