"""`grade doctor`: its lines follow what the probe saw and what the worker's jail reported; a missing protection
is a MISSING line and exit status 1, and a result made without it carries one note."""

from click.testing import CliRunner

from grader.cli.main import main
from grader.sandbox.doctor import findings, jail_note, report

ALL_REFUSED = {"read_grader": True, "read_packages": True, "read_proc": True, "write_tmp": True,
               "write_shm": True, "fork": True, "exec": True, "network": True, "signal": True, "tmp_bytes": 64 << 20}
FULL_JAIL = {"tmpfs": True, "landlock": 7, "seccomp": True, "uid": 2_000_000_123, "shared_uid": False}


def test_every_refusal_is_an_ok_line():
    found = findings(ALL_REFUSED, FULL_JAIL)
    assert len(found) == 8 and all(f.holds for f in found)
    assert report(found, FULL_JAIL).endswith("Every protection holds on this machine.")


def test_what_got_through_is_missing_and_named():
    seen = {**ALL_REFUSED, "read_packages": False, "write_shm": False}
    jail = {**FULL_JAIL, "landlock": 0, "tmpfs": False}
    text = report(findings(seen, jail), jail)
    missing = [line for line in text.splitlines() if line.startswith("MISSING")]
    assert [line.split()[1] for line in missing] == ["reads:", "writes:", "temporary"]
    assert "Landlock ABI 0" in missing[0] and text.endswith("(grade untrusted classes where every line is ok, "
                                                            "e.g. a newer Linux kernel).")


def test_a_result_notes_the_protections_its_worker_lacked():
    assert jail_note(FULL_JAIL) is None and jail_note({}) is None
    assert jail_note({**FULL_JAIL, "landlock": 0, "tmpfs": False}) == (
        "note: this machine's sandbox lacks Landlock and a private tmpfs; `grade doctor` says what that allows")


def test_the_command_exits_0_exactly_when_every_line_is_ok():
    run = CliRunner().invoke(main, ["doctor"])
    lines = run.output.splitlines()
    assert len([line for line in lines if line.startswith(("ok ", "MISSING "))]) == 8
    assert run.exit_code == (0 if not any(line.startswith("MISSING") for line in lines) else 1)
