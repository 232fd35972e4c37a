"""The jail around a submission (grader/sandbox/_jail.py), attacked the way the security review did, one class at a time:
processes that outlive the run, limits that count one process, reads beyond the standard library and NumPy,
writes outside its folder, the network (localhost included), signals, and a container's user namespace.

Each attack is exercise 4's honest answer whose conv_backward_bias first tries every attempt of its class: it
returns the right answer only when the jail refused them all, so the score is the honest twin's exactly when the
class holds; the test also checks the world from outside (nothing received, nothing written, nothing alive)."""

import os
import signal
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HONEST = (Path(__file__).parent / "submissions" / "honest_full.py").read_text()
ATTACK = '''
import os as _os


def _attempts():
    """Each attempt: (what, a function that must raise OSError)."""
{attempts}


def conv_backward_bias(delta, _honest=conv_backward_bias):
    got_through = []
    for what, attempt in _attempts():
        try:
            attempt()
            got_through.append(what)
        except OSError:
            pass
    if got_through:
        print("GOT THROUGH", got_through)
        return np.zeros(delta.shape[1])
    return _honest(delta)
'''


def attack(folder: Path, attempts: str) -> Path:
    path = folder / "exercise4.py"
    path.write_text(HONEST + ATTACK.format(attempts=textwrap.indent(textwrap.dedent(attempts).strip(), "    ")))
    return path


def holds(kit, path: Path) -> dict:
    result, _ = kit.grade(path)
    assert "GOT THROUGH" not in result["output"], result["output"]
    assert kit.scores(result) == kit.twin("honest_full"), result["output"]
    return result


def test_no_process_can_be_started_so_none_outlives_the_run(kit, tmp_path, nothing_outlives):
    path = attack(tmp_path, '''
        import ctypes, multiprocessing, pty, subprocess
        def memfd_exec():  # a binary from memory: no noexec mount stops it, only a refused call
            fd = _os.memfd_create("x")
            _os.write(fd, open("/bin/true", "rb").read())
            _os.execv(f"/proc/self/fd/{fd}", ["x"])
        def spawned():
            _os.posix_spawn("/bin/sleep", ["sleep", "30"], {})
        def chain():  # double fork and setsid, as a daemon does
            if _os.fork() == 0:
                _os.setsid()
                _os.fork() or __import__("time").sleep(30)
                _os._exit(0)
        def process():
            p = multiprocessing.get_context("fork").Process(target=__import__("time").sleep, args=(30,))
            p.start()
        return [("fork", _os.fork), ("chain", chain), ("setsid", _os.setsid), ("pty", pty.fork),
                ("subprocess", lambda: subprocess.Popen(["sleep", "30"])), ("posix_spawn", spawned),
                ("memfd exec", memfd_exec), ("multiprocessing", process),
                ("exec", lambda: _os.execv("/bin/sh", ["sh", "-c", "sleep 30"]))]
    ''')
    holds(kit, path)
    nothing_outlives()


def test_reads_reach_the_standard_library_and_numpy_only(kit, tmp_path, nothing_outlives):
    import click

    secret = tmp_path / "instructor-secret.txt"  # the instructor's own file, as readable as the user makes it
    secret.write_text("the answer")
    secret.chmod(0o644)
    targets = [ROOT / "reference" / "conv.py", ROOT / "solutions" / "exercise4.py",
               ROOT / "grader" / "exercises" / "exercise4" / "checks.py", Path(click.__file__), secret, Path("/etc/passwd"),
               Path(f"/proc/{os.getpid()}/environ"), Path("/proc/self/status")]
    path = attack(tmp_path, f'''
        def reader(path):
            return lambda: open(path, "rb").read(1)
        def listing():
            _os.listdir({str(ROOT)!r})
        return [(path, reader(path)) for path in {[str(t) for t in targets]!r}] + [("listing", listing)]
    ''')
    holds(kit, path)
    nothing_outlives()


def test_nothing_is_written_outside_the_workers_own_folder(kit, tmp_path, nothing_outlives):
    results = tmp_path / "results"
    results.mkdir()
    results.chmod(0o777)  # the files' own modes allow it: only the jail stands in the way
    targets = [results / "exercise4.json", Path("/dev/shm") / f"jail-{os.getpid()}",
               Path("/tmp") / f"jail-{os.getpid()}", Path("/var/tmp") / f"jail-{os.getpid()}"]
    path = attack(tmp_path, f'''
        def writer(path):
            return lambda: open(path, "w").write("full marks")
        return [(path, writer(path)) for path in {[str(t) for t in targets]!r}]
    ''')
    holds(kit, path)
    nothing_outlives()
    assert [t for t in targets if t.exists()] == []


def test_no_network_not_even_localhost(kit, tmp_path, nothing_outlives):
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    port = listener.getsockname()[1]
    unix = tmp_path / "peer.sock"
    peer = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    peer.bind(str(unix))
    peer.settimeout(0.2)
    unix.chmod(0o777)
    path = attack(tmp_path, f'''
        import socket
        def tcp():
            socket.create_connection(("127.0.0.1", {port}), timeout=1).sendall(b"answers")
        def udp():
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"answers", ("127.0.0.1", {port}))
        def local():
            socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b"answers", {str(unix)!r})
        return [("tcp", tcp), ("udp", udp), ("unix", local)]
    ''')
    holds(kit, path)
    nothing_outlives()
    with pytest.raises(TimeoutError):
        listener.accept()
    with pytest.raises(TimeoutError):
        peer.recv(64)
    listener.close()
    peer.close()


def test_signals_reach_the_worker_itself_only(kit, tmp_path, nothing_outlives):
    received = []
    previous = signal.signal(signal.SIGUSR1, lambda *args: received.append(args[0]))
    try:
        path = attack(tmp_path, f'''
            import signal
            return [("the grader", lambda: _os.kill({os.getpid()}, signal.SIGUSR1)),
                    ("everyone", lambda: _os.kill(-1, signal.SIGUSR1)),
                    ("its parent", lambda: _os.kill(_os.getppid(), signal.SIGUSR1)),
                    ("pid 1", lambda: _os.kill(1, 0))]
        ''')
        holds(kit, path)
    finally:
        signal.signal(signal.SIGUSR1, previous)
    nothing_outlives()
    assert received == []


CONTAINER = '''
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
ready_r, ready_w = os.pipe()
mapped_r, mapped_w = os.pipe()
pid = os.fork()
if pid == 0:  # a user namespace of 65,536 ids, as rootless podman, userns-remap or LXC give a container
    assert libc.unshare(0x10000000) == 0
    os.write(ready_w, b"x")
    os.read(mapped_r, 1)
    os.setresgid(0, 0, 0)
    os.setresuid(0, 0, 0)
    os.execv(sys.executable, [sys.executable, "-c", "from grader.cli.main import main; main()", *sys.argv[1:]])
os.read(ready_r, 1)
for name in ("uid_map", "gid_map"):
    with open(f"/proc/{pid}/{name}", "w") as f:
        f.write("0 0 65536")
os.write(mapped_w, b"x")
sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
'''


def user_namespaces() -> bool:
    """Can a process here make a user namespace? (A container may forbid it; then the two tests below, which
    build one to stand for a container or an unprivileged grader, cannot run.)"""
    pid = os.fork()
    if pid == 0:
        import ctypes
        os._exit(0 if ctypes.CDLL(None, use_errno=True).unshare(0x10000000) == 0 else 1)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0


NEEDS_ROOT_AND_USERNS = pytest.mark.skipif(os.geteuid() != 0 or not user_namespaces(),
                                           reason="needs root and user namespaces (this is the unprivileged run, "
                                                  "or the machine forbids user namespaces)")


@NEEDS_ROOT_AND_USERNS
def test_a_containers_65536_ids_give_no_uid_per_worker_and_say_so(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-c", CONTAINER, "doctor"], capture_output=True, text=True, env=env,
                         cwd=tmp_path, timeout=120)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "MISSING uids: workers share uid 65534" in run.stdout
    lines = [line for line in run.stdout.splitlines() if line.startswith(("ok", "MISSING"))]
    assert sum(line.startswith("MISSING") for line in lines) == 1  # the jail holds all the same
    folder = tmp_path / "class" / "ann"
    folder.mkdir(parents=True)
    (folder / "exercise4.py").write_text(HONEST)
    batch = subprocess.run([sys.executable, "-c", CONTAINER, "batch", str(tmp_path / "class"), "--out",
                            str(tmp_path / "graded"), "--workers", "2", "-q"], capture_output=True, text=True,
                           env=env, cwd=tmp_path, timeout=300)
    assert batch.returncode == 0, batch.stdout + batch.stderr
    assert "grading one submission at a time" in batch.stderr


FILL = '''
import os, threading
import numpy as np

def fill():
    """Bytes written into its own folder before the space ran out (16 MiB files: each under RLIMIT_FSIZE)."""
    written, block = 0, b"x" * (1 << 20)
    try:
        for k in range(12):
            with open(f"part{k}", "wb") as f:
                for _ in range(16):
                    f.write(block)
                    written += len(block)
    except OSError as exc:
        return written, exc.errno
    return written, 0

def hold(each):
    """Threads that each keep `each` bytes: the memory limit counts them together."""
    kept, failed = [], []
    def grab():
        try:
            kept.append(np.ones(each // 8))
        except MemoryError:
            failed.append(1)
    threads = [threading.Thread(target=grab) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(kept), len(failed)
'''


def test_limits_count_the_whole_submission(kit, nothing_outlives):
    from grader.sandbox.runner import Sandbox

    with Sandbox(FILL, "fill.py", kit.LIMITS._replace(timeout=10)) as sandbox:
        kept, failed = sandbox.call("hold", 200 << 20)  # 4 x 200 MiB against 512 MiB
        written, errno = sandbox.call("fill")
        tmpfs = sandbox.jail["tmpfs"]
    nothing_outlives()
    assert kept <= 2 and kept + failed == 4
    if not tmpfs:
        pytest.skip("no mount namespace here: temporary space is capped per file only (grade doctor says so)")
    assert written <= 64 << 20 and errno == 28  # ENOSPC: the private tmpfs is full, and it went with the worker


def test_an_installed_kit_does_not_carry_the_answers():
    if sys.version_info >= (3, 11):
        import tomllib
    else:
        tomllib = pytest.importorskip("tomli")  # pytest itself depends on tomli before 3.11
    found = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    assert "solutions" not in " ".join(found["include"]) and set(found["include"]) >= {"grader*", "reference*"}


AS_USER = '''
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
ready_r, ready_w = os.pipe()
mapped_r, mapped_w = os.pipe()
pid = os.fork()
if pid == 0:  # uid 1000 in a user namespace of one id: no capability, as an instructor's own account has none
    assert libc.unshare(0x10000000) == 0
    os.write(ready_w, b"x")
    os.read(mapped_r, 1)
    os.setresgid(1000, 1000, 1000)
    os.setresuid(1000, 1000, 1000)
    os.execv(sys.executable, [sys.executable, *sys.argv[1:]])
os.read(ready_r, 1)
with open(f"/proc/{pid}/setgroups", "w") as f:
    f.write("deny")
for name in ("uid_map", "gid_map"):
    with open(f"/proc/{pid}/{name}", "w") as f:
        f.write(f"1000 {os.getuid() if name == 'uid_map' else os.getgid()} 1")
os.write(mapped_w, b"x")
sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
'''


@NEEDS_ROOT_AND_USERNS
def test_every_class_holds_for_a_grader_that_is_not_root(tmp_path):
    """The attacks above again, with the grader as uid 1000 without any capability: no uid drop, the private
    tmpfs in a user namespace of the worker's own. (A real second account would need a Python it can read.)"""
    run = subprocess.run([sys.executable, "-c", AS_USER, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          "--import-mode=importlib", "--basetemp", str(tmp_path / "t"), __file__],
                         capture_output=True, text=True, cwd=ROOT, timeout=300,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert " passed" in run.stdout and " failed" not in run.stdout
