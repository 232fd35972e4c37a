"""grader/release/stubs.py: markers -> stubs, malformed markers, and the committed exercises/ against solutions/."""

import ast
import importlib
import inspect
import textwrap
from pathlib import Path

import numpy as np
import pytest

from grader.release import stubs
from grader.release.stubs import MarkerError, Region, find_regions, generate_exercises, make_stub, solution_bodies

ROOT = Path(__file__).resolve().parents[3]
SOLUTIONS, EXERCISES = ROOT / "solutions", ROOT / "exercises"
NUMBERS = (1, 2, 3, 4)

SOURCE = textwrap.dedent('''\
    """A module docstring mentioning # BEGIN SOLUTION, which is not a marker."""

    import math

    SCALE = 2  # kept


    def double(x):
        """Twice x. More words here."""
        x = float(x)  # validation stays
        # BEGIN SOLUTION
        return SCALE * x
        # END SOLUTION


    def area(r):
        """Area of a disc."""
        # BEGIN SOLUTION
        # HINT: pi r squared
        # HINT: use math.pi
        squared = r * r
        return math.pi * squared
        # END SOLUTION


    class Shape:
        def sides(self):
            # BEGIN SOLUTION
            return 0
            # END SOLUTION
    ''')

EXPECTED = textwrap.dedent('''\
    """A module docstring mentioning # BEGIN SOLUTION, which is not a marker."""

    import math

    SCALE = 2  # kept


    def double(x):
        """Twice x. More words here."""
        x = float(x)  # validation stays
        # YOUR CODE HERE
        raise NotImplementedError("double: Twice x.")


    def area(r):
        """Area of a disc."""
        # HINT: pi r squared
        # HINT: use math.pi
        # YOUR CODE HERE
        raise NotImplementedError("area: pi r squared")


    class Shape:
        def sides(self):
            # YOUR CODE HERE
            raise NotImplementedError("sides: write the body of this function")
    ''')


# ---------------------------------------------------------------- markers -> stubs


def test_make_stub_replaces_each_region_and_keeps_everything_else():
    assert make_stub(SOURCE, "shapes.py") == EXPECTED


def test_find_regions_reports_marker_lines_and_indentation():
    assert find_regions(SOURCE, "shapes.py") == [Region(11, 13, "    "), Region(18, 23, "    "),
                                                 Region(28, 30, "        ")]


def test_solution_bodies_leave_out_hint_lines():
    assert solution_bodies(SOURCE) == ["    return SCALE * x\n",
                                       "    squared = r * r\n    return math.pi * squared\n",
                                       "        return 0\n"]


def test_crlf_line_endings_and_tabs_survive():
    source = SOURCE.replace("    ", "\t").replace("\n", "\r\n")
    stub = make_stub(source, "tabs.py")
    assert stub == EXPECTED.replace("    ", "\t").replace("\n", "\r\n")


def test_the_stub_raises_with_the_pointer_and_the_rest_still_works():
    namespace = {}
    exec(compile(make_stub(SOURCE, "shapes.py"), "shapes.py", "exec"), namespace)
    with pytest.raises(NotImplementedError, match=r"^area: pi r squared$"):
        namespace["area"](1.0)
    with pytest.raises(ValueError):  # the validation outside the region runs first
        namespace["double"]("not a number")
    assert namespace["SCALE"] == 2


def _raised_by(stub, name):
    namespace = {}
    exec(compile(stub, "stub.py", "exec"), namespace)
    with pytest.raises(NotImplementedError) as raised:
        namespace[name]()
    return str(raised.value)


def test_a_long_pointer_is_split_over_several_lines_but_reads_the_same():
    sentence = "Compute " + " ".join(f"word{i}" for i in range(22)) + "."
    source = f'def f():\n    """{sentence}"""\n    # BEGIN SOLUTION\n    return 1\n    # END SOLUTION\n'
    stub = make_stub(source, "long.py")
    added = [line for line in stub.splitlines() if line not in source.splitlines()]
    assert len(added) > 3 and max(len(line) for line in added) <= 110
    assert _raised_by(stub, "f") == "f: " + sentence


def test_a_very_long_pointer_is_cut_between_words():
    sentence = "Compute " + " ".join(f"word{i}" for i in range(60)) + "."
    source = f'def f():\n    """{sentence}"""\n    # BEGIN SOLUTION\n    return 1\n    # END SOLUTION\n'
    stub = make_stub(source, "x.py")
    message = _raised_by(stub, "f")
    assert len(message) <= 160 and message.endswith("...")
    assert ("f: " + sentence).startswith(message[:-3] + " ")


def test_nested_functions_and_trailing_comments_belong_to_the_right_function():
    source = textwrap.dedent('''\
        def outer():
            def inner():
                return 1
            # BEGIN SOLUTION
            return inner()
            # END SOLUTION
        ''')
    assert find_regions(source) == [Region(4, 6, "    ")]
    assert "raise NotImplementedError" in make_stub(source, "nested.py")


# ---------------------------------------------------------------- malformed markers

BAD_MARKERS = {
    "end without begin": ("def f():\n    return 1\n    # END SOLUTION\n", 3, "without a BEGIN"),
    "nested begin": ("def f():\n    # BEGIN SOLUTION\n    x = 1\n    # BEGIN SOLUTION\n    return x\n"
                     "    # END SOLUTION\n", 4, "inside the region opened on line 2"),
    "never closed": ("def f():\n    x = 1\n    # BEGIN SOLUTION\n    return x\n", 3, "never closed"),
    "begin deeper than the body": ("def f(x):\n    if x:\n        # BEGIN SOLUTION\n        return 1\n"
                                   "        # END SOLUTION\n    return 0\n", 3, "not indented like the body"),
    "end deeper than the body": ("def f():\n    # BEGIN SOLUTION\n    x = 1\n        # END SOLUTION\n"
                                 "    return x\n", 4, "not indented like the body"),
    "module level": ("# BEGIN SOLUTION\nX = 1\n# END SOLUTION\n", 1, "outside a function body"),
    "class body": ("class A:\n    # BEGIN SOLUTION\n    x = 1\n    # END SOLUTION\n", 2, "outside a function body"),
    "end after the function": ("def f():\n    # BEGIN SOLUTION\n    return 1\n# END SOLUTION\n", 4, "outside"),
    "across two functions": ("def f():\n    # BEGIN SOLUTION\n    return 1\n\ndef g():\n    # END SOLUTION\n"
                             "    return 2\n", 6, "closes the region that line 2 opened in f()"),
    "after code on a line": ("def f():\n    x = 1  # BEGIN SOLUTION\n    return x\n", 2, "line of its own"),
    "region splits a statement": ("def f():\n    # BEGIN SOLUTION\n    try:\n        x = 1\n    # END SOLUTION\n"
                                  "    except ValueError:\n        x = 2\n    return x\n", 6, "region on lines 2-5"),
}


@pytest.mark.parametrize("case", sorted(BAD_MARKERS))
def test_each_bad_marker_raises_marker_error_naming_file_and_line(case):
    source, line, what = BAD_MARKERS[case]
    with pytest.raises(MarkerError) as raised:
        make_stub(source, "bad.py")
    error = raised.value
    assert isinstance(error, ValueError)
    assert (error.filename, error.line) == ("bad.py", line)
    assert what in error.what
    assert str(error).startswith(f"bad.py:{line}: ")


def test_a_solution_that_does_not_parse_is_a_syntax_error_naming_the_file():
    with pytest.raises(SyntaxError) as raised:
        make_stub("def f(:\n    pass\n", "broken.py")
    assert raised.value.filename == "broken.py"


# ---------------------------------------------------------------- generate_exercises


def test_generate_exercises_writes_checks_and_leaves_no_temporary_files(tmp_path):
    solutions, exercises = tmp_path / "solutions", tmp_path / "exercises"
    solutions.mkdir()
    (solutions / "exercise10.py").write_text(SOURCE)
    (solutions / "exercise2.py").write_text(SOURCE.replace("SCALE = 2", "SCALE = 3"))
    (solutions / "helpers.py").write_text("# not an exercise\n")
    assert generate_exercises(solutions, exercises, check=True) == [exercises / "exercise2.py",
                                                                     exercises / "exercise10.py"]
    assert not exercises.exists()  # check=True writes nothing
    assert generate_exercises(solutions, exercises) == [exercises / "exercise2.py", exercises / "exercise10.py"]
    assert (exercises / "exercise10.py").read_text() == EXPECTED
    assert sorted(p.name for p in exercises.iterdir()) == ["exercise10.py", "exercise2.py"]
    assert (exercises / "exercise2.py").stat().st_mode & 0o777 == 0o644
    assert generate_exercises(solutions, exercises, check=True) == []
    (exercises / "exercise2.py").write_text("edited by hand\n")
    (exercises / "exercise2.py").chmod(0o664)
    assert generate_exercises(solutions, exercises, check=True) == [exercises / "exercise2.py"]
    assert generate_exercises(solutions, exercises) == [exercises / "exercise2.py"]
    assert (exercises / "exercise2.py").stat().st_mode & 0o777 == 0o664  # a rewrite keeps the file's mode
    assert generate_exercises(solutions, exercises, check=True) == []


def test_generate_exercises_writes_nothing_when_one_solution_is_malformed(tmp_path):
    solutions, exercises = tmp_path / "solutions", tmp_path / "exercises"
    solutions.mkdir()
    (solutions / "exercise1.py").write_text(SOURCE)
    (solutions / "exercise2.py").write_text("def f():\n    # BEGIN SOLUTION\n    return 1\n")
    with pytest.raises(MarkerError, match="exercise2.py:2:"):
        generate_exercises(solutions, exercises)
    assert not exercises.exists()


# ---------------------------------------------------------------- the committed exercises/


def test_committed_exercises_are_up_to_date_with_the_solutions(capsys):
    assert generate_exercises(SOLUTIONS, EXERCISES, check=True) == []
    assert stubs.main(["--check"]) == 0  # python -m grader.release.stubs --check
    assert capsys.readouterr().out == "up to date\n"


def _regions_by_function(number):
    """{function name: its region} of solutions/exerciseN.py."""
    source = (SOLUTIONS / f"exercise{number}.py").read_text()
    tree = ast.parse(source)
    functions = [node for node in tree.body if isinstance(node, ast.FunctionDef)]
    found = {}
    for region in find_regions(source):
        owner = max((f for f in functions if f.lineno < region.begin_line), key=lambda f: f.lineno)
        found[owner.name] = region
    return found


MAPS = np.arange(1.0, 2 * 3 * 4 * 4 + 1).reshape(2, 3, 4, 4)
SAMPLE_CALLS = {  # valid arguments for every function that has a region
    1: {"conv_output_size": (32, 5), "conv_params": (6, 16, 5), "conv_connections": (1, 6, 5, 28),
        "subsample_params": (6,), "subsample_connections": (6, 2, 14), "dense_params": (120, 84),
        "rbf_params": (84, 10), "lenet5_counts": (), "modern_lenet_params": (), "conv_macs": (256, 256, 3, 100),
        "activation_memory": (256, 100)},
    2: {"upsample": (MAPS, 2), "avg_pool_backward": (MAPS, 2), "max_pool_backward": (MAPS[..., :2, :2], MAPS, 2),
        "subsample_backward": (MAPS[..., :2, :2], MAPS, np.ones(3), 2),
        "activation_backward": (MAPS, MAPS, "sigmoid")},
    3: {"rot180": (np.eye(2),), "full_convolve": (np.eye(2), np.eye(3)),
        "conv_backward_input": (MAPS[:, :2], np.ones((2, 3, 2, 2)))},
    4: {"conv_backward_weights": (MAPS[:, :2, :3, :3], MAPS, 2), "conv_backward_bias": (MAPS,)},
}


@pytest.mark.parametrize("number", NUMBERS)
def test_every_stub_raises_not_implemented_when_called(number):
    module = importlib.import_module(f"exercises.exercise{number}")
    answer = importlib.import_module(f"solutions.exercise{number}")
    assert set(SAMPLE_CALLS[number]) == set(_regions_by_function(number))
    for name, args in SAMPLE_CALLS[number].items():
        getattr(answer, name)(*args)  # the arguments are valid: the solution answers
        with pytest.raises(NotImplementedError, match=f"^{name}: "):
            getattr(module, name)(*args)


@pytest.mark.parametrize("number", NUMBERS)
def test_the_stub_contains_none_of_the_solution_bodies(number):
    solution = (SOLUTIONS / f"exercise{number}.py").read_text()
    stub = (EXERCISES / f"exercise{number}.py").read_text()
    bodies = solution_bodies(solution)
    assert len(bodies) == len(SAMPLE_CALLS[number]) and all(body.strip() for body in bodies)
    for body in bodies:
        assert body not in stub
        for line in body.splitlines():  # not even one statement of an answer
            statement = line.split("  #")[0].strip()
            if len(statement) > 12 and not statement.startswith("#"):
                assert statement not in stub, statement


@pytest.mark.parametrize("number", NUMBERS)
def test_the_stub_keeps_the_teaching_docstrings_and_signatures(number):
    module = importlib.import_module(f"exercises.exercise{number}")
    answer = importlib.import_module(f"solutions.exercise{number}")
    assert module.__doc__ == answer.__doc__ and len(module.__doc__) > 500
    for name in SAMPLE_CALLS[number]:
        stub_function, solution_function = getattr(module, name), getattr(answer, name)
        assert inspect.signature(stub_function) == inspect.signature(solution_function)
        assert stub_function.__doc__ == solution_function.__doc__
