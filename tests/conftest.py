"""What every test shares: the grader speaks English unless a test asks for another language (a developer's
GRADE_LANG or Chinese locale must not change what the tests read), and a test that switches it leaves it
English for the next one."""

import pytest


@pytest.fixture(autouse=True)
def english_unless_asked(monkeypatch):
    from grader.grading import lang

    monkeypatch.setenv("GRADE_LANG", "en")
    yield
    lang.set_language("en")
