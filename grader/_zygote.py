"""The sandbox fork server (zygote): a clean interpreter that imports numpy once and forks workers.

Started by grader/forkserver.py as ``python -I -S -B _zygote.py CONTROL_FD PATH...`` (Linux only): ``-I -S``
keep the environment, user site and .pth files (our editable install) out; sys.path is the stdlib plus the
PATHs given (the directory holding numpy). It never imports the grader and never runs student code.

Control protocol (one JSON message per SOCK_SEQPACKET packet on CONTROL_FD):
- zygote -> parent, once: ``{"ready": pid}``.
- parent -> zygote: ``{"op": "fork", "cwd": ..., "memory": ..., "timeout": ..., "fsize": ...}`` with the
  output file's fd attached (SCM_RIGHTS). Reply ``{"pid": pid}`` with two fds attached: the worker's
  connection (SOCK_STREAM) and a status socket on which the zygote writes ``"exit N"`` or ``"signal N"``
  once it has reaped the worker; or ``{"error": text}``.
The zygote reaps every child, is the child subreaper (processes a submission orphans come back to it) and
kills any child that is not a live worker; when the parent goes away it kills all workers and exits.
"""

import os
import resource
import signal
import socket
import sys

_BOOT_PATH = list(sys.path)
PR_SET_DUMPABLE, PR_SET_CHILD_SUBREAPER = 4, 36
NOBODY = 65534
PRELOAD = ("numpy.fft", "numpy.random")  # imported when idle, last first


def main():
    ctl_fd = int(sys.argv[1])
    sys.path[:] = _BOOT_PATH + [p for p in sys.argv[2:] if p not in _BOOT_PATH]
    import json
    import importlib.util
    import selectors

    import numpy  # noqa: F401  (the point of the zygote: workers start with numpy loaded)
    import numpy.lib.stride_tricks  # noqa: F401

    here = os.path.dirname(os.path.abspath(__file__))
    worker = _load(importlib.util, "_sandbox_worker", os.path.join(here, "_worker.py"))
    worker.wire = _load(importlib.util, "_sandbox_wire", os.path.join(here, "wire.py"))
    ctl = socket.socket(fileno=ctl_fd)
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    _prctl(PR_SET_DUMPABLE, 0)
    wake_r, wake_w = socket.socketpair()
    wake_r.setblocking(False)
    wake_w.setblocking(False)
    signal.set_wakeup_fd(wake_w.fileno())
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)
    signal.signal(signal.SIGTERM, _terminate)
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
    workers = {}  # pid -> fd of the zygote's end of that worker's status socket
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
            _reap(workers)
            _sweep(workers)
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
        os._exit(0)


def _handle(ctl, data, fds, workers, worker, json):
    try:
        request = json.loads(data)
        if request.get("op") != "fork" or len(fds) != 1:
            raise ValueError("bad request")
        pid, conn_fd, status_fd = _fork(request, fds[0], workers, worker)
    except Exception as exc:  # never die on one bad request: report it
        socket.send_fds(ctl, [json.dumps({"error": f"{type(exc).__name__}: {exc}"}).encode()], [])
        return
    finally:
        for fd in fds:
            os.close(fd)
    try:
        socket.send_fds(ctl, [json.dumps({"pid": pid}).encode()], [conn_fd, status_fd])
    finally:
        os.close(conn_fd)
        os.close(status_fd)


def _fork(request, out_fd, workers, worker):
    parent_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    parent_fd, child_fd = parent_end.detach(), child_end.detach()
    try:
        pid = os.fork()
    except BaseException:
        os.close(parent_fd)
        os.close(child_fd)
        raise
    if pid == 0:
        try:
            _child(request, out_fd, child_fd, worker)
        finally:
            os._exit(70)
    os.close(child_fd)
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    workers[pid] = ours.detach()
    return pid, parent_fd, theirs.detach()


def _child(request, out_fd, conn_fd, worker):
    """In the forked worker: isolate, limit, drop privileges, then serve the parent on fd 3."""
    os.setsid()  # own session and process group: the parent kills the whole group
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past RLIMIT_FSIZE fail with EFBIG instead
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(out_fd, 1)
    os.dup2(out_fd, 2)
    os.dup2(conn_fd, 3)
    os.closerange(4, 1 << 20)  # the control socket, other workers' status sockets, ...
    cwd = request["cwd"]
    memory, fsize, timeout = int(request["memory"]), int(request["fsize"]), float(request["timeout"])
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))
    cpu_hard = int(max(600, 60 * timeout))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_hard, cpu_hard))
    if request["drop_uid"] and os.geteuid() == 0:
        path_fds = _open_dirs(sys.path)
        os.chown(cwd, NOBODY, NOBODY)
        resource.setrlimit(resource.RLIMIT_NPROC, (64, 64))  # fork bombs (counted per uid)
        os.setgroups([])
        os.setresgid(NOBODY, NOBODY, NOBODY)
        os.setresuid(NOBODY, NOBODY, NOBODY)
        if os.getuid() != NOBODY or os.geteuid() != NOBODY:
            os._exit(71)
        _reroute_paths(path_fds)
    os.chdir(cwd)
    os.environ.update(HOME=cwd, TMPDIR=cwd, PWD=cwd)
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))  # last: it may already be near the limit
    worker.serve(3, cpu_budget=int(timeout) + 1, cpu_hard=cpu_hard)


def _open_dirs(paths):
    fds = {}
    for path in paths:
        try:
            fds[path] = os.open(path, os.O_PATH | os.O_DIRECTORY)
        except OSError:
            pass
    return fds


def _reroute_paths(fds):
    """After the uid drop: reach import directories that the sandbox uid cannot (say Python under a
    0700 /root) through the directory fds opened before it (a process may always use its own
    /proc/self/fd). Rewrites sys.path and the __path__ of packages already imported from them."""
    moved = {}
    for path, fd in fds.items():
        if os.access(path, os.R_OK | os.X_OK):
            os.close(fd)
        else:
            moved[path] = f"/proc/self/fd/{fd}"
    if not moved:
        return
    sys.path[:] = [moved.get(p, p) for p in sys.path]
    for module in list(sys.modules.values()):
        paths = vars(module).get("__path__") if type(module) is type(sys) else None  # no module __getattr__
        if type(paths) is list:
            paths[:] = [_moved(p, moved) for p in paths]


def _moved(path, moved):
    for old, new in moved.items():
        if type(path) is str and (path == old or path.startswith(old + os.sep)):
            return new + path[len(old):]
    return path


def _preload(name):
    try:
        __import__(name)
    except Exception:
        pass


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
        fd = workers.pop(pid, None)
        if fd is None:
            continue
        text = f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status) else f"exit {os.waitstatus_to_exitcode(status)}"
        try:
            os.write(fd, text.encode())
        except OSError:
            pass
        os.close(fd)


def _sweep(workers):
    """Kill every child that is not a live worker: processes a submission left behind."""
    me = os.getpid()
    try:
        with open(f"/proc/{me}/task/{me}/children") as f:
            kids = [int(p) for p in f.read().split()]
    except OSError:
        return
    for pid in kids:
        if pid not in workers:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


def _kill_group(pid):
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
        except OSError:
            pass


def _prctl(option, value):
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # best effort: not Linux, or no libc symbol


if __name__ == "__main__":
    main()
