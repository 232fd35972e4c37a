"""Moodle "Download all submissions" names (mod/assign), and the participant id they carry.

Moodle names each student's part of the download ``{full name}_{participant id}_{plugin}_...``: a folder
``Ann Able_1234567_assignsubmission_file_`` (or without the last underscore) holding the files when "Download
submissions in folders" is on, else flat files ``Ann Able_1234567_assignsubmission_file_exercise3.py``. Moodle
replaces every underscore of the full name by a space, so the name part holds no underscore; with blind marking
it is ``Participant``. The participant id is the assignment's own id for the student (``assign_user_mapping``):
it is what the assignment's offline grading worksheet calls ``Participant 1234567`` in its Identifier column,
and it is not the Moodle user id.

The pattern is anchored at the start on a name without underscores, so that no original file name a student
chose (the tail) can make a Canvas download name read as a Moodle one, nor move the participant id.
"""

from __future__ import annotations

import re
from typing import NamedTuple

_FILE = re.compile(r"^(?P<name>[^_/]+)_(?P<pid>\d+)_assignsubmission_(?P<plugin>[a-z]+)_(?P<orig>.+)$", re.DOTALL)
_FOLDER = re.compile(r"^(?P<name>[^_/]+)_(?P<pid>\d+)_assignsubmission_(?P<plugin>[a-z]+)_?$")
PARTICIPANT = "Participant "  # Moodle's get_string('hiddenuser', 'assign') in English


class MoodleName(NamedTuple):
    name: str  # the full name as Moodle wrote it ("Participant" under blind marking)
    participant: str  # the participant id (digits)
    plugin: str  # "file", "onlinetext" ...
    original: str  # the student's own file name ("" for a folder)


def parse_moodle_file(filename: str) -> MoodleName | None:
    """``Ann Able_1234567_assignsubmission_file_exercise3.py`` -> its parts; None when not a Moodle name."""
    match = _FILE.match(filename)
    if not match:
        return None
    return MoodleName(match["name"].strip(), match["pid"], match["plugin"], match["orig"])


def parse_moodle_folder(folder: str) -> MoodleName | None:
    """``Ann Able_1234567_assignsubmission_file_`` -> its parts; None when not a Moodle folder name."""
    match = _FOLDER.match(folder)
    return MoodleName(match["name"].strip(), match["pid"], match["plugin"], "") if match else None


def participant_identifier(participant: str) -> str:
    """The worksheet's Identifier for a participant id: '1234567' -> 'Participant 1234567'."""
    return PARTICIPANT + participant


def participant_of(identifier: str) -> str | None:
    """'Participant 1234567' -> '1234567'; None for anything else."""
    if identifier.startswith(PARTICIPANT) and identifier[len(PARTICIPANT):].isdigit():
        return identifier[len(PARTICIPANT):]
    return None
