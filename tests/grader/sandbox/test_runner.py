"""The sandbox: results come back as plain data, every misbehaviour becomes the right SubmissionError and
fails only its call, and nothing (process, file) outlives a Sandbox. Linux only."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from grader.sandbox import runner as sandbox
from grader.sandbox.forkserver import ForkServer
from grader.sandbox.runner import (Crashed, Exited, FunctionMissing, Limits, LoadFailed, NotImplementedYet, OutOfMemory,
                            Sandbox, SubmissionError, SubmissionRaised, TimedOut)
from grader.sandbox.wire import Opaque

FAST = Limits(timeout=1.0, memory=1 << 30, output=64 * 1024)

SOURCE = '''
import os, sys, time
import numpy as np

def double(x, k=2):
    return x * k

def identity(x):
    return x

def stub(x):
    raise NotImplementedError("TODO")

def helper(x):
    return x.reshape(2, 2)

def fails(x):
    return helper(x)  # line 18

def spin():
    while True:
        pass

def ident():
    return os.getpid(), os.getpgrp(), os.getuid(), os.getcwd(), __name__, __file__

def mutate(x):
    x[...] = -1
    return None

_kept = np.zeros(3)
def aliased():
    return _kept

def change_kept():
    _kept[:] = 7
    return _kept

def run(code):
    exec(code, globals())
    return RESULT
'''


def run(code, sb):
    """Run `code` in the worker; it sets RESULT."""
    return sb.call("run", code)


@pytest.fixture
def sb():
    with Sandbox(SOURCE, "exercise.py", FAST) as box:
        yield box


def group_members(pgid):
    """pids (zombies included) whose process group is pgid, from /proc."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    stat = f.read()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2:].split()[2]) == pgid:
                pids.append(int(entry))
    return pids


def dead(pid):
    """True if pid has exited (gone, or a zombie that its new parent has not reaped yet)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def gone(pid, within=2.0):
    """True once /proc/pid has disappeared (the process died and was reaped) within `within` seconds."""
    end = time.monotonic() + within
    while os.path.exists(f"/proc/{pid}") and time.monotonic() < end:
        time.sleep(0.01)
    return not os.path.exists(f"/proc/{pid}")


def test_returns_the_value_and_respects_kwargs(sb):
    x = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(sb.call("double", x), 2 * x)  # exact: tolerance 0
    np.testing.assert_array_equal(sb.call("double", x, k=3), 3 * x)
    assert sb.call("double", 2.5) == 5.0


def test_submission_runs_as_a_module_named_submission(sb):
    pid, pgrp, uid, cwd, name, file = sb.call("ident")
    assert pid == pgrp != os.getpid()  # its own process group
    assert (name, file) == ("submission", "exercise.py")
    assert cwd != os.getcwd() and os.path.isdir(cwd)
    assert uid == (2_000_000_000 + pid if os.geteuid() == 0 else os.getuid())  # root: a uid of its own


def test_not_implemented_missing_and_raised(sb):
    with pytest.raises(NotImplementedYet, match=r"^not implemented yet\n  NotImplementedError: TODO$") as stub:
        sb.call("stub", 1)
    assert stub.value.frames == ((12, "stub"),)  # the student's own message and line
    with pytest.raises(FunctionMissing, match="^the submission has no function `nope`$"):
        sb.call("nope")
    with pytest.raises(FunctionMissing):
        sb.call("np")  # a module attribute, not a function
    with pytest.raises(SubmissionRaised) as info:
        sb.call("fails", np.arange(3.0))
    assert info.value.message == str(info.value) == "raised ValueError: cannot reshape array of size 3 into shape (2,2)"
    tb = info.value.traceback
    assert 'File "exercise.py", line 18, in fails' in tb and "in helper" in tb and tb.endswith("(2,2)\n")
    assert "_worker" not in tb and "grader" not in tb and "numpy" not in tb.split("\n")[-2]
    assert info.value.frames == ((18, "fails"), (15, "helper")) and info.value.type == "ValueError"
    assert isinstance(info.value, SubmissionError)


def test_timeout_kills_the_worker_and_the_next_call_works():
    with Sandbox(SOURCE, limits=Limits(timeout=0.5)) as sb:
        pid = sb.call("ident")[0]
        start = time.monotonic()
        with pytest.raises(TimedOut, match=r"^timed out after 0\.5 s$"):
            sb.call("spin")
        assert time.monotonic() - start < 1.5
        assert gone(pid)
        assert sb.call("double", 1) == 2 and sb.call("ident")[0] != pid


def test_out_of_memory():
    with Sandbox(SOURCE) as sb:
        with pytest.raises(OutOfMemory, match="^used more than 1 GiB of memory$"):
            run("RESULT = np.ones(10**11)", sb)
    with Sandbox(SOURCE, limits=Limits(timeout=5.0, memory=512 << 20)) as sb:
        with pytest.raises(OutOfMemory, match="^used more than 512 MiB of memory$"):  # RLIMIT_AS, not the machine
            run("RESULT = np.ones(80 * 10**6).sum()", sb)
        assert run("RESULT = np.ones(10**6).sum()", sb) == 1e6


@pytest.mark.parametrize("code, error, message", [
    ("sys.exit(0)", Exited, "the submission called sys.exit(0)"),
    ("sys.exit()", Exited, "the submission called sys.exit()"),
    ("exit('bye')", Exited, "the submission called sys.exit('bye')"),
    ("os._exit(3)", Exited, "the submission called os._exit(3)"),
    ("os.kill(os.getpid(), 9)", Crashed, "the worker crashed (signal SIGKILL)"),
    ("import ctypes; ctypes.string_at(0)", Crashed, "the worker crashed (signal SIGSEGV)"),
    ("os.close(3)", (Crashed, Exited), None),
    ("os.write(3, b'garbage' * 10)", Crashed, None),
    ("wire = sys.modules['_sandbox_wire']\nos.write(3, b''.join(wire.pack({'status': 'ok', 'seq': 0}, 42)))\n"
     "os.write(3, b'garbage' * 10)", Crashed, "the worker broke the protocol (bad frame magic)"),
    ("raise KeyboardInterrupt", SubmissionRaised, "raised KeyboardInterrupt"),
])
def test_hard_failures_fail_one_call_only(sb, code, error, message):
    pid = sb.call("ident")[0]
    with pytest.raises(error) as info:
        run(code, sb)
    if message is not None:
        assert info.value.message == message
    np.testing.assert_array_equal(sb.call("double", np.ones(2)), [2.0, 2.0])
    assert gone(pid)  # every hard failure replaces the worker


def test_syntax_error_fails_every_call_with_the_line():
    with Sandbox("x = 1\n\ndef f(:\n    pass\n", limits=FAST) as sb:
        for _ in range(2):
            with pytest.raises(LoadFailed, match="SyntaxError.*line 3"):
                sb.call("f")


def test_load_errors_are_reported_once_and_load_is_attempted_once():
    source = "print('loading')\nimport numpy as np\nnp.zeros(2).reshape(3)\n"
    with Sandbox(source, limits=FAST) as sb:
        messages = set()
        for _ in range(3):
            with pytest.raises(LoadFailed) as info:
                sb.call("f")
            messages.add(info.value.message)
        assert messages == {"the submission could not be loaded: raised ValueError: cannot reshape array of size 2"
                            " into shape (3,)"}
        assert 'line 3, in <module>' in info.value.traceback
        assert sb.output == "loading\n"


@pytest.mark.parametrize("source, match", [
    ("while True:\n    pass\n", "^the submission could not be loaded: timed out after 0.5 s while loading$"),
    ("import reference.conv\n", "raised ImportError: reference is not available to submissions$"),
    ("import sys\nsys.exit(2)\n", "called sys.exit\\(2\\)"),
    ("import os\nos._exit(0)\n", "called os._exit\\(0\\)$"),
])
def test_failures_at_import_are_load_failures(source, match):
    with Sandbox(source, limits=Limits(timeout=0.5)) as sb:
        with pytest.raises(LoadFailed, match=match):
            sb.call("f")


def test_our_packages_cannot_be_imported(sb):
    for name in ("reference", "grader.sandbox.runner", "solutions", "reference.conv"):
        top = name.partition(".")[0]
        with pytest.raises(SubmissionRaised, match=f"^raised ImportError: {top} is not available to submissions$"):
            run(f"import {name}", sb)
    assert run("import math, json, collections; RESULT = math.sqrt(4)", sb) == 2.0


def test_stdlib_and_numpy_submodules_import_after_the_uid_drop(sb):
    code = ("import fractions, statistics, decimal, subprocess; import numpy.random, numpy.testing\n"
            "RESULT = float(statistics.mean([1, 2])), np.random.default_rng(0).integers(5, 6)")
    assert run(code, sb) == (1.5, 5)


def test_output_is_captured_and_capped():
    with Sandbox(SOURCE, limits=Limits(timeout=5.0, output=1000)) as sb:
        run("print('hello'); sys.stderr.write('warn\\n'); RESULT = 1", sb)
        assert sb.output == "hello\nwarn\n"
        run("print('x' * (10 * 2**20)); RESULT = 1", sb)
        out = sb.output
        assert out.startswith("hello\nwarn\nxxx") and out.endswith("\n[... truncated]\n")
        assert len(out) == 1000 + len("\n[... truncated]\n")


def test_output_past_the_file_size_limit_fails_the_write_not_the_worker(sb):
    with pytest.raises(SubmissionRaised, match="OSError"):
        run("RESULT = [sys.stdout.buffer.raw.write(b'x' * (10 * 2**20)) for _ in range(3)]", sb)
    assert sb.call("double", 1) == 2


def test_non_data_results_are_opaque_or_plain_arrays(sb):
    assert run("RESULT = np.array([1, 'a'], dtype=object)", sb).type_name == "ndarray"
    foo = run("class Foo:\n    def __repr__(self): return 'Foo!'\nRESULT = Foo()", sb)
    assert foo == Opaque("Foo", "Foo!")
    code = ("class Liar(np.ndarray):\n    def __eq__(self, other): return True\n"
            "RESULT = np.arange(3.0).view(Liar)")
    value = run(code, sb)
    assert type(value) is np.ndarray and value.tolist() == [0.0, 1.0, 2.0]
    assert run("RESULT = [lambda: 1]", sb)[0].type_name == "function"


def test_no_aliasing_between_worker_and_caller(sb):
    first = sb.call("aliased")
    np.testing.assert_array_equal(sb.call("change_kept"), [7.0, 7.0, 7.0])
    np.testing.assert_array_equal(first, [0.0, 0.0, 0.0])  # the later mutation does not reach it
    x = np.arange(4.0)
    assert sb.call("mutate", x) is None
    np.testing.assert_array_equal(x, [0.0, 1.0, 2.0, 3.0])


@pytest.mark.parametrize("dtype", ["bool", "int8", "uint8", "int16", "int32", "int64", "uint64", "float16",
                                   "float32", "float64", "complex64", "complex128"])
def test_arrays_round_trip_through_the_worker(sb, dtype):
    rng = np.random.default_rng(1)
    values = [np.asarray(rng.standard_normal(shape) * 50).astype(dtype) for shape in [(), (0,), (2, 0, 3), (7,),
                                                                                      (2, 3, 4, 5)]]
    values.append(np.arange(30).astype(dtype)[::3])  # non-contiguous
    out = sb.call("identity", values)
    for x, y in zip(values, out, strict=True):
        assert type(y) is np.ndarray and y.dtype == x.dtype and y.shape == x.shape
        assert y.tobytes() == np.ascontiguousarray(x).tobytes()  # bit-exact


def test_scalars_and_containers_round_trip(sb):
    value = (1, 2.5, True, None, "s", [1, (2,)], {"a": np.float32(1.5)}, 1 + 2j, np.int64(5), 2 ** 100)
    out = sb.call("identity", value)
    assert out == value and [type(v) for v in out] == [type(v) for v in value]
    with pytest.raises(TypeError, match="object"):
        sb.call("identity", object())


def test_no_process_can_be_started_and_close_removes_the_worker_and_its_files():
    sb = Sandbox(SOURCE, limits=FAST)
    pid, _, _, cwd, *_ = sb.call("ident")
    code = ("import subprocess\n"
            "refused = []\n"
            "for start in (lambda: subprocess.Popen(['sleep', '30']), os.fork, lambda: os.execv('/bin/true', ['x'])):\n"
            "    try:\n"
            "        start()\n"
            "    except OSError as exc:\n"
            "        refused.append(exc.errno)\n"
            "open('scratch.txt', 'w').write('x')\n"
            "RESULT = refused")
    assert run(code, sb) == [1, 1, 1]  # EPERM from the jail's seccomp filter: nothing can outlive the worker
    assert group_members(pid) == [pid]
    # its folder is a tmpfs in a mount namespace of its own where the machine allows one: invisible from here
    assert os.path.exists(os.path.join(cwd, "scratch.txt")) != sb.jail["tmpfs"]
    sb.close()
    sb.close()  # idempotent
    assert gone(pid) and group_members(pid) == []
    assert not os.path.exists(cwd)
    with pytest.raises(ValueError, match="closed"):
        sb.call("double", 1)


def test_garbage_collected_sandbox_cleans_up():
    sb = Sandbox(SOURCE, limits=FAST)
    pid, _, _, cwd, *_ = sb.call("ident")
    del sb
    assert gone(pid) and not os.path.exists(cwd)


def test_worker_limits_and_privileges(sb):
    code = ("import resource\n"
            "RESULT = [resource.getrlimit(getattr(resource, 'RLIMIT_' + n))[1]\n"
            "          for n in ('AS', 'FSIZE', 'CORE', 'NPROC')]"
            " + [__import__('ctypes').CDLL(None).prctl(39, 0, 0, 0, 0), os.getgroups()]")  # PR_GET_NO_NEW_PRIVS
    memory, fsize, core, nproc, no_new_privs, groups = run(code, sb)
    assert (memory, fsize, core, no_new_privs) == (FAST.memory, sandbox.FILE_SIZE_LIMIT, 0, 1)
    if os.geteuid() == 0:  # the uid drop: no groups, a process cap for fork bombs
        assert groups == [] and nproc == 64


def test_setup_failure_is_not_blamed_on_the_submission(monkeypatch):
    monkeypatch.setattr(sandbox, "FILE_SIZE_LIMIT", 2**70)  # setrlimit fails in the worker, before student code
    with Sandbox(SOURCE, limits=FAST) as sb:
        with pytest.raises(sandbox.SandboxUnavailable, match="worker setup failed: OverflowError") as info:
            sb.call("double", 1)
        assert not isinstance(info.value, SubmissionError)
    assert ForkServer.shared().alive()


def test_killed_grader_leaves_no_worker_and_no_directory():
    script = ("from grader.sandbox.runner import Sandbox, Limits\n"
              f"sb = Sandbox({SOURCE!r}, limits=Limits(timeout=60))\n"
              "pid, _, _, cwd, *_ = sb.call('ident')\n"
              "print(pid, cwd, flush=True)\n"
              "sb.call('spin')\n")
    grader = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    pid, cwd = grader.stdout.readline().split()
    grader.kill()  # no finalizer runs: the zygote sees its parent go and cleans up
    grader.wait()
    grader.stdout.close()
    end = time.monotonic() + 3.0
    while (os.path.exists(cwd) or not dead(int(pid))) and time.monotonic() < end:
        time.sleep(0.01)
    assert dead(int(pid)) and not os.path.exists(cwd)


def test_worker_without_uid_drop(monkeypatch):
    monkeypatch.setattr(sandbox, "_drop_uid", lambda: False)
    with Sandbox(SOURCE, limits=Limits(timeout=0.5)) as sb:
        assert sb.call("ident")[2] == os.getuid()
        with pytest.raises(TimedOut):
            sb.call("spin")
        assert sb.call("double", 3) == 6


def test_zygote_restarts_after_it_dies():
    server = ForkServer.shared()
    with Sandbox(SOURCE, limits=FAST) as sb:
        assert sb.call("double", 1) == 2
    os.kill(server._proc.pid, signal.SIGKILL)
    server._proc.wait()
    with Sandbox(SOURCE, limits=FAST) as sb:
        assert sb.call("double", 2) == 4
    assert ForkServer.shared() is not server


def test_the_grader_becomes_non_dumpable(sb):
    import ctypes
    sb.call("double", 1)
    assert ctypes.CDLL(None).prctl(3, 0, 0, 0, 0) == 0  # PR_GET_DUMPABLE


def test_bad_arguments_raise():
    with pytest.raises(TypeError, match="source"):
        Sandbox(b"x = 1")
    with pytest.raises(TypeError, match="limits"):
        Sandbox("x = 1", limits=(1, 2, 3))
    with pytest.raises(ValueError, match="limits"):
        Sandbox("x = 1", limits=Limits(timeout=0))
    with Sandbox("x = 1") as sb, pytest.raises(ValueError, match="name"):
        sb.call("not a name")


def test_call_within_gives_one_call_a_time_limit_of_its_own():
    source = "import time\ndef slow(t):\n    time.sleep(t)\n    print('slept')\n    return t * 2\n"
    with Sandbox(source, "s.py", Limits(timeout=0.5)) as sb:
        with pytest.raises(TimedOut):
            sb.call("slow", 1.0)
        assert sb.call_within(5, "slow", 1.0) == 2.0
        assert "slept" in sb.output  # printed in the other worker, kept
        with pytest.raises(TimedOut, match="timed out after 0.2 s"):
            sb.call_within(0.2, "slow", 1.0)
        with pytest.raises(ValueError, match="seconds must be positive"):
            sb.call_within(0, "slow", 1.0)
        assert sb.call("slow", 0.01) == 0.02  # its own worker still works
