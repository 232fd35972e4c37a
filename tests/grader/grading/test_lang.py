"""Chinese feedback (grader/grading/lang.py): every message a student reads has a translation, the catalogues
compiled into the repository are those of their .po sources, a grade in Chinese has the scores (and inputs) of
the grade in English, and English stays the default."""

import ast
import json
import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from grader import registry
from grader.cli.main import main
from grader.grading import lang, po
from grader.grading.checking import collect
from grader.grading.grade import grade_file
from grader.grading.lang import N_, shown, speaking
from grader.grading.where import SANDBOX_MESSAGES, sandbox_said

ROOT = Path(__file__).resolve().parents[3]
# Exercises still being written elsewhere: their catalogue is theirs to add (a zh.po in the exercise's folder with
# its check names, cases and N_-marked mistakes). None at present.
PENDING: set[str] = set()
FIELD = re.compile(r"\{(\w*)(![rsa])?(:[^{}]*)?\}")


def _ready(path: Path) -> bool:
    parts = path.relative_to(ROOT).parts
    return not (len(parts) > 2 and parts[1] == "exercises" and parts[2] in PENDING)


def test_every_marked_message_has_a_chinese_translation():
    missing = [f"{where}: {msgid!r}" for where, msgid in po.missing()
               if not any(f"exercises/{name}/" in where for name in PENDING)]
    assert missing == [], "add these to the .po (msgid in English, msgstr in Chinese), then compile:\n" + \
        "\n".join(missing)


def test_every_check_name_is_translated():
    zh = lang.catalogue("zh")
    untranslated = [(exercise, c.info.name) for exercise in registry.names() if exercise not in PENDING
                    for c in collect(exercise) if zh.gettext(c.info.name) == c.info.name]
    assert untranslated == []


def test_every_named_mistake_is_marked_for_translation():
    """A key of Variants({...}) must be N_("...") (translated by msgid, or by its template when it has fields);
    a bare or f-string key would be shown in English."""
    bare = []
    for exercise in registry.exercises():
        for path in exercise.folder.glob("*.py"):
            if not _ready(path):
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Variants" and node.args \
                        and isinstance(node.args[0], ast.Dict):
                    bare += [f"{exercise.name}/{path.name}:{key.lineno}" for key in node.args[0].keys
                             if key is not None and not _marked(key)]  # None: a **mapping spread in
    assert bare == []


def _marked(key) -> bool:
    if isinstance(key, ast.IfExp):
        return _marked(key.body) and _marked(key.orelse)
    return isinstance(key, ast.Call) and getattr(key.func, "id", "") == "N_"


def _slips(data) -> set:
    """The keys of every mapping slip -> answer in a known.json (a slip's name has spaces; arguments do not)."""
    if isinstance(data, dict):
        found = {key for key in data if " " in key}
        return found.union(*(_slips(value) for value in data.values()))
    return set().union(*(_slips(value) for value in data)) if isinstance(data, list) else set()


def test_known_slips_read_from_data_are_translated():
    """The slips of exercise 1's and 6's known.json (literal names, or made by templates of their truth)."""
    names = set()
    for exercise in ("exercise1", "exercise6"):
        __import__(f"grader.exercises.{exercise}.checks")  # registers the templates its names are made by
        names |= _slips(json.loads((registry.get(exercise).folder / "known.json").read_text(encoding="utf-8")))
    with speaking("zh"):
        assert [name for name in sorted(names) if shown(name) == name] == []


@pytest.mark.parametrize("stride, padding, size", [(1, 0, None), (2, 0, None), (2, 1, (9, 8)), (3, 2, (11, 9))])
def test_exercise3_and_4_mistakes_read_back_in_chinese(stride, padding, size):
    from grader.exercises.convolution import conv_out
    from grader.exercises.exercise3.mistakes import conv_dx_variants
    from grader.exercises.exercise4.mistakes import conv_db_variants, conv_dw_variants

    rng = np.random.default_rng(0)
    h, w = size or (7, 6)
    delta = rng.standard_normal((2, 3, conv_out(h, 3, stride, padding), conv_out(w, 2, stride, padding)))
    kernels, a_prev = rng.standard_normal((3, 2, 3, 2)), rng.standard_normal((2, 2, h, w))
    all_names = []
    for variants in (conv_dx_variants(delta, kernels, stride, padding, size), conv_db_variants(delta),
                     conv_dw_variants(delta, a_prev, (3, 2), stride, padding)):
        all_names += [name for entry in variants for name in variants.causes(entry).values()]
    with speaking("zh"):
        english = [name for name in all_names if not re.search(r"[\u4e00-\u9fff]", shown(name))]
    assert all_names and english == []


def test_translations_keep_the_fields_of_their_msgid():
    for path in po.catalogues("zh"):
        for msgid, msgstr in po.read_po(path.read_text(encoding="utf-8"), str(path)).items():
            if msgid and msgstr:
                assert sorted(FIELD.findall(msgid)) == sorted(set(FIELD.findall(msgstr))) or \
                    set(FIELD.findall(msgid)) == set(FIELD.findall(msgstr)), (path.name, msgid, msgstr)


def test_the_committed_mo_files_are_compiled_from_their_po():
    for path in po.catalogues("zh"):
        compiled = po.mo_bytes(po.read_po(path.read_text(encoding="utf-8"), str(path)))
        assert path.with_suffix(".mo").read_bytes() == compiled, \
            f"{path.with_suffix('.mo')} is stale: run python -m grader.grading.lang compile"


def _sandbox_messages():
    """What grader/sandbox/runner.py can put in a SubmissionError, each field of an f-string as "X"."""
    tree = ast.parse((ROOT / "grader" / "sandbox" / "runner.py").read_text(encoding="utf-8"))
    kinds = {"FunctionMissing", "TimedOut", "Crashed", "OutOfMemory", "Exited", "LoadFailed", "NotImplementedYet"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") in kinds and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant):
                yield first.value
            elif isinstance(first, ast.JoinedStr):
                yield "".join(v.value if isinstance(v, ast.Constant) else "X" for v in first.values)


def test_every_sandbox_message_is_explained_in_chinese():
    messages = [m for m in _sandbox_messages() if m != "the submission could not be loaded: X"] + [
        "raised ValueError: bad shape", "raised KeyError", "not implemented yet", "the submission could not be "
        "loaded: raised SyntaxError: invalid syntax", "timed out after 5 s while loading",
        "not implemented yet\n  NotImplementedError: fill me in", "not run: `rot180` already timed out after 5 s "
        "in an earlier check", "the worker crashed (signal SIGXCPU: CPU time limit)"]
    assert len(messages) > 10
    with speaking("zh"):
        said = {m: sandbox_said(m) for m in messages}
    assert [m for m, s in said.items() if s == m or re.search(r"\b(the|was|after|worker)\b", s)] == []
    assert said["raised ValueError: bad shape"] == "抛出了 ValueError: bad shape"  # the student's words kept
    assert len(SANDBOX_MESSAGES) >= 15


def test_the_language_comes_from_grade_lang_then_the_locale():
    assert lang.language_from_environment({}) == "en"
    assert lang.language_from_environment({"LANG": "zh_CN.UTF-8"}) == "zh"
    assert lang.language_from_environment({"LANG": "zh_CN.UTF-8", "LC_ALL": "C"}) == "en"
    assert lang.language_from_environment({"LANG": "en_US.UTF-8", "LC_MESSAGES": "zh_TW"}) == "zh"
    assert lang.language_from_environment({"GRADE_LANG": "zh", "LANG": "en_US"}) == "zh"
    assert lang.language_from_environment({"GRADE_LANG": "en", "LANG": "zh_CN"}) == "en"
    with pytest.raises(lang.UnknownLanguage):
        lang.set_language("fr")
    assert lang.language() == "en"  # nothing set it: the library speaks English


def test_n_with_fields_formats_english_and_reads_back():
    name = N_("stride {s}: the s-1 zeros between residual entries are missing", s=3)
    assert name == "stride 3: the s-1 zeros between residual entries are missing"
    with speaking("zh"):
        assert shown(name) == "步长 3：残差各项之间缺少 s-1 个零"
        assert shown("a teacher's own name") == "a teacher's own name"
    assert shown(name) == name


WRONG_ROT = ("def full_convolve(delta, kernel):  # not rotated: a correlation\n"
             "    kh, kw = kernel.shape\n"
             "    padded = np.pad(delta, ((kh - 1, kh - 1), (kw - 1, kw - 1)))\n"
             "    return correlate(padded[None, None], kernel[None, None])[0, 0]\n")


def test_a_wrong_submission_graded_in_chinese_scores_as_in_english(tmp_path, monkeypatch):
    path = tmp_path / "mine.py"
    path.write_text((ROOT / "solutions" / "exercise3.py").read_text(encoding="utf-8") + "\n" + WRONG_ROT)
    english = grade_file("exercise3", path, seed=11, include_hidden=True)
    with speaking("zh"):
        chinese = grade_file("exercise3", path, seed=11, include_hidden=True)
    assert [(t["name"], t["score"]) for t in chinese["tests"]] == [(t["name"], t["score"]) for t in english["tests"]]
    assert chinese["score"] == english["score"] < english["max_score"]
    failed = [t for t in chinese["tests"] if t["status"] == "failed"]
    assert failed and all("看起来是：卷积核没有旋转180度（那是互相关，不是卷积）。" in t["output"] for t in failed)
    assert all("Looks like: the kernel was not rotated by 180°" in t["output"]
               for t in english["tests"] if t["status"] == "failed")

    runner = CliRunner()
    args = ["exercise3", "--submission", str(path), "--seed", "11", "--results", str(tmp_path / "results")]
    table = runner.invoke(main, ["--lang", "zh", *args]).output
    assert "full_convolve：正方形的残差，2x2 卷积核" in table and "得分：" in table and "失败" in table
    monkeypatch.setenv("GRADE_LANG", "zh")
    assert runner.invoke(main, args).output == table  # GRADE_LANG says the same
    assert "Score:" in runner.invoke(main, ["--lang", "en", *args]).output
    assert lang.language() == "en" or lang.set_language("en")


def test_grader_check_speaks_chinese_when_asked(tmp_path, monkeypatch):
    import grader

    (tmp_path / "exercises").mkdir()
    (tmp_path / "exercises" / "exercise3.py").write_text("def rot180(kernel):\n    raise NotImplementedError\n")
    monkeypatch.chdir(tmp_path)
    result = grader.check("exercise3", seed=1, lang="zh")
    assert "尚未实现" in str(result) and "rot180：正方形的二维卷积核" in result._repr_html_()
    assert lang.language() == "en"  # grader.check leaves the language as it found it
    assert "not implemented yet" in str(grader.check("exercise3", seed=1, lang="en"))


@pytest.mark.parametrize("args, env", [(["--lang", "zh", "exercise3", "--help"], {}),
                                        (["exercise3", "--lang", "zh", "--help"], {}),
                                        (["exercise3", "--help"], {"GRADE_LANG": "zh"}),
                                        (["exercise3", "--help"], {"LANG": "zh_CN.UTF-8", "GRADE_LANG": ""})])
def test_the_help_of_a_student_command_is_chinese(args, env):
    result = CliRunner().invoke(main, args, env=env)
    assert result.exit_code == 0, result.output
    assert "为练习 3 评分" in result.output and "选项" in result.output and "用法：" in result.output
    assert "随机输入的种子" in result.output and "显示此帮助信息并退出" in result.output
    lang.set_language("en")


def test_the_help_stays_english_by_default():
    result = CliRunner().invoke(main, ["exercise3", "--help"], env={"GRADE_LANG": "", "LANG": "C", "LC_ALL": ""})
    assert "Grade exercise 3 and show what is wrong." in result.output and "Options:" in result.output
    assert "Usage:" in result.output
