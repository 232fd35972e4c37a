"""A student release speaks Chinese too: it ships the compiled catalogues, without the names of hidden checks,
and `GRADE_LANG=zh grade exercise3` there gives Chinese check names and feedback."""

import gettext
import os
import subprocess
import sys
from pathlib import Path

import pytest

from grader import registry
from grader.grading.checking import collect
from grader.release.build import make_release

ROOT = Path(__file__).resolve().parents[3]
GRADE = "import sys; sys.path.insert(0, '.'); from grader.cli.main import main; main()"


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    return make_release(tmp_path_factory.mktemp("course") / "release", project=ROOT).out


def test_the_release_ships_the_catalogues_without_hidden_check_names(release):
    shared = release / "grader" / "locale" / "zh" / "LC_MESSAGES" / "cnnkit.mo"
    assert shared.read_bytes() == (ROOT / "grader" / "locale" / "zh" / "LC_MESSAGES" / "cnnkit.mo").read_bytes()
    for exercise in registry.names():
        path = release / "grader" / "exercises" / exercise / "zh.mo"
        assert path.is_file(), exercise
        with path.open("rb") as handle:
            catalogue = gettext.GNUTranslations(handle)
        for chk in collect(exercise):
            translated = catalogue.gettext(chk.info.name) != chk.info.name
            assert translated == (chk.info.visibility == "visible"), (exercise, chk.info.name)
    with (release / "grader" / "exercises" / "exercise5" / "zh.mo").open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    from grader.exercises.exercise5.mistakes import MISTAKES  # instructor only: nor are its names shipped

    names = list(MISTAKES.values()) if isinstance(MISTAKES, dict) else list(MISTAKES)
    assert names and all(catalogue.gettext(str(name)) == str(name) for name in names)


def test_grading_in_the_release_speaks_chinese(release):
    env = {**os.environ, "GRADE_LANG": "zh"}
    run = subprocess.run([sys.executable, "-c", GRADE, "exercise3", "--seed", "1"], cwd=release, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    public = [c.info.name for c in collect("exercise3", include_hidden=False)]
    assert all(name not in run.stdout for name in public)  # every check name shown in Chinese
    assert "尚未实现" in run.stdout or "未实现" in run.stdout
