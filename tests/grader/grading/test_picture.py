"""grader/grading/picture.py: the map of a wrong array, kept as data and drawn as a sign grid and an SVG."""

import xml.etree.ElementTree as ET

import numpy as np
import pytest

from grader.grading.checking import CheckFailed
from grader.grading.compare import expect_array
from grader.grading.picture import MAX_SIDE, grid, map_picture, svg


def test_the_map_of_the_largest_error_is_kept_whole_when_small():
    want = np.arange(2 * 3 * 4 * 5, dtype=float).reshape(2, 3, 4, 5)
    got = want.copy()
    got[1, 2, 3, 4] += 5.0
    got[1, 2, 0, 0] += 1.0
    with pytest.raises(CheckFailed) as failed:
        expect_array(got, want, case="x")
    picture = failed.value.picture
    assert picture["where"] == "map (1, 2)"
    assert picture["want"] == want[1, 2].tolist() and picture["got"] == got[1, 2].tolist()
    wrong = np.zeros((4, 5), dtype=bool)
    wrong[3, 4] = wrong[0, 0] = True
    assert picture["wrong"] == wrong.tolist()


def test_a_big_map_is_cut_to_the_window_around_its_largest_error():
    want = np.zeros((40, 30))
    got = want.copy()
    got[35, 2] = 1.0
    picture = map_picture(got, want, got != want, (35, 2))
    assert np.asarray(picture["want"]).shape == (MAX_SIDE, MAX_SIDE)
    assert picture["where"] == "the array, rows 24..39, columns 0..15"
    assert np.argwhere(picture["wrong"]).tolist() == [[11, 2]]  # row 35 is row 11 of the window


def test_a_vector_is_one_row_and_a_scalar_has_no_picture():
    want, got = np.array([1.0, -2.0, 0.0]), np.array([1.0, 2.0, 0.0])
    picture = map_picture(got, want, got != want, (1,))
    assert picture["want"] == [[1.0, -2.0, 0.0]] and picture["wrong"] == [[False, True, False]]
    assert map_picture(np.float64(1.0), np.float64(2.0), np.bool_(True), ()) is None


def test_the_grid_shows_signs_and_marks_the_wrong_entries():
    picture = {"where": "map (0, 1)", "want": [[1.0, -2.0], [0.0, 3.0]], "got": [[1.0, 2.0], [0.0, 3.0]],
               "wrong": [[False, True], [False, False]]}
    assert grid(picture) == "map (0, 1): expected | got (X = wrong)\n  + - | + X\n  0 + | 0 +"


def test_the_svg_is_well_formed_with_a_cell_per_entry_and_the_wrong_ones_outlined():
    picture = {"where": "map <0>", "want": [[1.0, -2.0, 0.5]], "got": [[1.0, 2.0, 0.5]],
               "wrong": [[False, True, False]]}
    root = ET.fromstring(svg(picture))  # no JavaScript, parseable, the title escaped
    rects = root.findall("{http://www.w3.org/2000/svg}rect")
    assert len(rects) == 6
    outlined = [r for r in rects if r.get("stroke") == "#d00000"]
    assert len(outlined) == 1 and outlined[0].find("{http://www.w3.org/2000/svg}title").text == "2 (wrong)"
    assert rects[1].get("fill") == "rgb(0,0,255)" and rects[4].get("fill") == "rgb(255,0,0)"  # -2 and +2: full
    assert "script" not in svg(picture).lower() and root.get("aria-label") == "expected and got: map <0>"
