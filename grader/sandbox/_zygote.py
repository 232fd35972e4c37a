"""The sandbox fork server (zygote): a clean interpreter that imports numpy once and forks workers.

Started by grader/sandbox/forkserver.py as ``python -I -S -B _zygote.py CONTROL_FD PATH...`` (Linux only): ``-I -S``
keep the environment, user site and .pth files (our editable install) out; sys.path is the stdlib plus the
PATHs given (the directory holding numpy). It never imports the grader and never runs student code.

Control protocol (one JSON message per SOCK_SEQPACKET packet on CONTROL_FD):
- zygote -> parent, once: ``{"ready": pid}``.
- parent -> zygote: ``{"op": "fork", "tmpdir", "memory", "timeout", "fsize", "drop_uid", "output"}`` with the output
  file's fd attached (SCM_RIGHTS). The zygote makes the worker a private directory in tmpdir (removed when
  the worker is reaped, or when the zygote exits), forks, and the worker sets itself up (grader/sandbox/_confine.py)
  and reports on a pipe before any submission code can run. Reply ``{"pid": pid}`` with two fds attached: the
  worker's connection (SOCK_STREAM, fd 3 in the worker) and a status socket on which the zygote writes
  ``"exit N"`` or ``"signal N"`` once it has reaped the worker; or ``{"error": text}`` if setup failed.
The zygote reaps every child, is the child subreaper (processes a submission orphans come back to it) and
kills any child that is not a live worker; when the parent goes away it kills all workers and exits.
"""

import fcntl
import gc
import os
import select
import signal
import socket
import sys
import time

_BOOT_PATH = list(sys.path)
_exit = os._exit
confine = None  # grader/sandbox/_confine.py, loaded from its path by main()
SETUP_TIMEOUT = 10.0  # seconds for a forked worker to report that it is set up
PRELOAD = ("numpy.fft", "numpy.random")  # imported when idle, last first
SWEEP_WAIT = 2.0  # seconds spent at most killing and reaping the processes a submission left behind


def main():
    ctl_fd = int(sys.argv[1])
    sys.path[:] = _BOOT_PATH + [p for p in sys.argv[2:] if p not in _BOOT_PATH]
    import json
    import importlib.util
    import selectors

    import numpy  # noqa: F401  (the point of the zygote: workers start with numpy loaded)
    import numpy.lib.stride_tricks  # noqa: F401

    here = os.path.dirname(os.path.abspath(__file__))
    global confine
    confine = _load(importlib.util, "_sandbox_confine", os.path.join(here, "_confine.py"))
    confine.jail = _load(importlib.util, "_sandbox_jail", os.path.join(here, "_jail.py"))
    worker = _load(importlib.util, "_sandbox_worker", os.path.join(here, "_worker.py"))
    worker.wire = _load(importlib.util, "_sandbox_wire", os.path.join(here, "wire.py"))
    ctl = socket.socket(fileno=ctl_fd)
    confine.prctl(confine.PR_SET_CHILD_SUBREAPER, 1)
    confine.prctl(confine.PR_SET_DUMPABLE, 0)
    wake_r, wake_w = socket.socketpair()
    wake_r.setblocking(False)
    wake_w.setblocking(False)
    signal.set_wakeup_fd(wake_w.fileno(), warn_on_full_buffer=False)  # a full buffer only means "wake up"
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)
    signal.signal(signal.SIGTERM, _terminate)
    gc.freeze()  # forked workers then leave these objects to the collector untouched: fewer copied pages
    ctl.send(json.dumps({"ready": os.getpid()}).encode())
    _serve(ctl, wake_r, worker, json, selectors)


def _terminate(signum, frame):
    raise SystemExit(0)  # runs _serve's cleanup: kill every worker


def _load(util, name, path):
    spec = util.spec_from_file_location(name, path)
    module = util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _serve(ctl, wake_r, worker, json, selectors):
    workers = {}  # pid -> (fd of the zygote's end of that worker's status socket, its directory)
    preload = list(PRELOAD)
    sel = selectors.DefaultSelector()
    sel.register(ctl, selectors.EVENT_READ)
    sel.register(wake_r, selectors.EVENT_READ)
    try:
        while True:
            ready = sel.select(timeout=0 if preload else 0.25)
            if not ready and preload:
                _preload(preload.pop())  # idle: import what submissions often use (no request is waiting)
            _drain(wake_r)
            _sweep(workers)  # before _reap reports a worker's end: its strays are dead by then
            _reap(workers)
            if any(key.fileobj is ctl for key, _ in ready):
                try:
                    data, fds, _flags, _addr = socket.recv_fds(ctl, 1 << 16, 4)
                except ConnectionError:
                    return
                if not data:
                    return  # the parent closed the control socket or died
                _handle(ctl, data, fds, workers, worker, json)
    finally:
        for pid in list(workers):
            _kill_group(pid)
        _sweep({})
        for _fd, cwd in workers.values():
            _remove_dir(cwd)
        os._exit(0)


def _handle(ctl, data, fds, workers, worker, json):
    try:
        request = json.loads(data)
        if request.get("op") != "fork" or len(fds) != 1:
            raise ValueError("bad request")
        request["cwd"] = _make_dir(request["tmpdir"])
        pid, conn_fd, status_fd = _fork(request, fds[0], workers, worker)
    except Exception as exc:  # never die on one bad request: report it
        _remove_dir(request.get("cwd") if type(request) is dict else None)
        socket.send_fds(ctl, [json.dumps({"error": f"{type(exc).__name__}: {exc}"}).encode()], [])
        return
    finally:
        for fd in fds:
            os.close(fd)
    try:
        reply = {"pid": pid, "jail": json.loads(request["jail"])}
        socket.send_fds(ctl, [json.dumps(reply).encode()], [conn_fd, status_fd])
    finally:
        os.close(conn_fd)
        os.close(status_fd)


def _fork(request, out_fd, workers, worker):
    """Fork a worker; return once it is set up: (pid, parent's connection fd, status fd)."""
    packages = confine.packages()
    rules = _jail_rules()
    parent_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    parent_fd, child_fd = parent_end.detach(), child_end.detach()
    ack_r, ack_w = os.pipe()
    try:
        pid = os.fork()
    except BaseException:
        for fd in (parent_fd, child_fd, ack_r, ack_w):
            os.close(fd)
        raise
    if pid == 0:
        try:
            _child(request, out_fd, child_fd, ack_w, worker, packages, rules)
        finally:
            _exit(70)  # wire.EXIT_WORKER_BROKEN (the real _exit: the submission's os._exit reports itself)
    os.close(child_fd)
    os.close(ack_w)
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    workers[pid] = (ours.detach(), request["cwd"])
    ack = _read_ack(ack_r)
    if not ack.startswith(b"ok "):
        request["cwd"] = None  # removed when the worker is reaped
        _kill_group(pid)
        os.close(parent_fd)
        theirs.close()
        raise RuntimeError(f"worker setup failed: {ack.decode('utf-8', 'replace') or 'no answer'}")
    request["jail"] = ack[3:].decode("ascii", "replace")  # JSON, from our own code before the submission ran
    return pid, parent_fd, theirs.detach()


def _jail_rules(cache={}):
    """What a worker may read, as Landlock rules: the standard library, NumPy and the shared libraries loaded
    here; /dev/urandom. Made again only when modules were imported here (a preload) since the last time."""
    if cache.get("modules") != len(sys.modules):
        cache["rules"], cache["modules"] = _make_jail_rules(), len(sys.modules)
    return cache["rules"]


def _make_jail_rules():
    jail, numpy = confine.jail, sys.modules["numpy"].__path__[0]
    libraries = jail.loaded_libraries([os.path.dirname(numpy)])  # not site-packages
    read = [numpy, numpy + ".libs", *libraries, "/dev/urandom"]
    return jail.stdlib_rules(_BOOT_PATH) + [(path, jail.READ) for path in read]


def _read_ack(fd):
    """The worker's setup report: b"ok", or the error that stopped it."""
    data = b""
    try:
        poll = select.poll()
        poll.register(fd, select.POLLIN)
        while poll.poll(SETUP_TIMEOUT * 1000):
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            data += chunk
    finally:
        os.close(fd)
    return data


def _child(request, out_fd, conn_fd, ack_fd, worker, packages, rules):
    """In the forked worker: isolate, limit, drop privileges, report on ack_fd, then serve fd 3."""
    ack = ack_fd
    try:
        os.setsid()  # own session and process group: the parent kills the whole group
        signal.set_wakeup_fd(-1)
        for signum in (signal.SIGCHLD, signal.SIGTERM):
            signal.signal(signum, signal.SIG_DFL)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past RLIMIT_FSIZE fail with EFBIG instead
        sources = [os.open(os.devnull, os.O_RDONLY), out_fd, out_fd, conn_fd, ack_fd]
        sources = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in sources]  # out of the targets' way
        for target, fd in enumerate(sources):
            os.dup2(fd, target, inheritable=target < 3)  # 0-2: stdin, stdout, stderr; 3: parent; 4: ack
        ack = 4
        os.closerange(5, 1 << 20)  # the control socket, other workers' status sockets, ...
        sys.path[:] = _BOOT_PATH  # the standard library only: NumPy is imported, and nothing else is to be
        jailed = confine.limit_and_drop(request, packages, confine.jail, rules)
        outputs = worker.isolate(request.get("output"))
    except BaseException as exc:
        os.write(ack, f"{type(exc).__name__}: {exc}".encode()[:4000])
        raise
    import json  # already loaded by main(): no cost

    os.write(ack, b"ok " + json.dumps(jailed).encode())
    os.close(ack)
    timeout = float(request["timeout"])
    worker.serve(3, outputs, cpu_budget=int(timeout) + 1, cpu_hard=confine.cpu_hard(timeout))


def _make_dir(parent):
    """A fresh private working directory for one worker, under `parent` (the grader's temp directory)."""
    path = os.path.join(parent, f"sandbox-{os.urandom(6).hex()}")
    os.mkdir(path, 0o700)
    return path


def _remove_dir(path):
    if not path:
        return
    try:
        os.rmdir(path)  # the usual case: the submission wrote nothing
    except FileNotFoundError:
        pass
    except OSError:
        import shutil
        shutil.rmtree(path, ignore_errors=True)  # symlink-safe: removes links, never follows them


def _preload(name):
    try:
        __import__(name)
    except Exception:
        pass
    gc.freeze()


def _drain(sock):
    try:
        while sock.recv(4096):
            pass
    except (BlockingIOError, InterruptedError):
        pass


def _reap(workers):
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        fd, cwd = workers.pop(pid, (None, None))
        if fd is None:
            continue
        _remove_dir(cwd)  # before the status: the parent may look for it once it has the status
        code = os.waitstatus_to_exitcode(status)  # -N: killed by signal N
        text = f"signal {-code}" if code < 0 else f"exit {code}"
        try:
            os.write(fd, text.encode())
        except OSError:
            pass
        os.close(fd)


def _sweep(workers, wait=SWEEP_WAIT):
    """Kill every child that is not a live worker (processes a submission left behind) and reap them; repeat
    for their children, which come back to us as they die, until none is left or `wait` seconds have passed."""
    end = time.monotonic() + wait
    while True:
        strays = [pid for pid in _children() if pid not in workers]
        if not strays:
            return
        for pid in strays:
            _kill_group(pid)
        while strays and time.monotonic() < end:
            strays = [pid for pid in strays if not _reaped(pid)]
            if strays:
                time.sleep(0.001)
        if time.monotonic() >= end:
            return


def _children():
    me = os.getpid()
    try:
        with open(f"/proc/{me}/task/{me}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def _reaped(pid):
    try:
        return os.waitpid(pid, os.WNOHANG)[0] == pid
    except ChildProcessError:
        return True


def _kill_group(pid):
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
        except OSError:
            pass


if __name__ == "__main__":
    try:
        main()
    except (BrokenPipeError, ConnectionError):
        _exit(0)  # the grader exited while we booted (it needed no worker): nobody to tell
    except BaseException as exc:  # one line for the grader's user, never a traceback
        sys.stderr.write(f"grade: the sandbox fork server stopped: {type(exc).__name__}: {exc}\n")
        _exit(1)
