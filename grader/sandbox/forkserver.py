"""The grader's handle on the sandbox fork server (grader/sandbox/_zygote.py) and on the workers it forks. Linux only.

One zygote per grader process, started lazily (or early by :func:`prestart`) and shared: the one piece of
module-level state in the grader. It is replaced when it dies or when the grader process has forked.
"""

import atexit
import importlib.util
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading

ZYGOTE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_zygote.py")
BOOT_TIMEOUT = 60.0  # seconds for the zygote to import numpy (a cold disk cache can be slow)
REPLY_TIMEOUT = 30.0  # more than the zygote waits for a worker to set itself up
ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
       "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
       "NUMEXPR_NUM_THREADS": "1", "VECLIB_MAXIMUM_THREADS": "1"}


class SandboxUnavailable(RuntimeError):
    """No worker could be started: an infrastructure failure (not the submission's fault)."""


class ZygoteError(SandboxUnavailable):
    """The fork server could not be started or stopped answering."""


class WorkerProcess:
    """A forked worker: its pid (= its process group), connection socket and status socket."""

    def __init__(self, pid, conn, status, jail=None):
        self.pid, self.conn, self.status = pid, conn, status
        self.jail = jail or {}  # what the worker's jail achieved (grader/sandbox/_jail.py): tmpfs, landlock, seccomp, uid
        self._exit = None

    def exit_status(self, wait):
        """'exit N' / 'signal N' once the zygote has reaped the worker, 'lost' if the zygote died, None if
        neither happened within `wait` seconds."""
        if self._exit is None and _readable(self.status, wait):
            self._exit = self.status.recv(64).decode("ascii", "replace") or "lost"
        return self._exit

    def kill(self):
        """SIGKILL the worker's process group and wait (briefly) until it has been reaped."""
        status = self.exit_status(0)
        if status is None or status == "lost":  # not yet reaped, so the group id is still this worker's
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except OSError:
                pass
        if status is None:
            self.exit_status(5.0)

    def close(self):
        self.kill()
        self.conn.close()
        self.status.close()


class ForkServer:
    """A running zygote. Use :meth:`shared`; :meth:`spawn` forks a worker."""

    _shared = None
    _shared_lock = threading.Lock()

    def __init__(self):
        make_non_dumpable()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        args = [sys.executable, "-I", "-S", "-B", ZYGOTE, str(theirs.fileno()), *_numpy_path()]
        try:
            self._proc = subprocess.Popen(args, pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL,
                                          stdout=subprocess.DEVNULL, env=ENV, cwd="/", start_new_session=True)
        finally:
            theirs.close()
        self._sock = ours
        self._owner = os.getpid()
        self._lock = threading.Lock()
        self._ready = False
        self._broken = False

    @classmethod
    def shared(cls):
        """The process's zygote, started if needed (returns at once: the zygote boots in the background)."""
        with cls._shared_lock:
            server = cls._shared
            if server is None or server._owner != os.getpid() or not server.alive():
                if server is not None and server._owner == os.getpid():
                    server.close()
                server = cls._shared = cls()
            return server

    @classmethod
    def discard_shared(cls, server):
        with cls._shared_lock:
            if cls._shared is server:
                cls._shared = None
        if server._owner == os.getpid():
            server.close()

    def alive(self):
        return not self._broken and self._proc.poll() is None

    def spawn(self, *, tmpdir, memory, timeout, fsize, output_fd, drop_uid, output=None):
        """Fork a worker with these limits, stdout/stderr going to output_fd (keeping about `output` bytes of
        what the submission prints, None: all up to fsize). -> WorkerProcess.

        tmpdir: where the zygote makes the worker's private working directory (removed with the worker).
        memory: RLIMIT_AS bytes. timeout: seconds per call (sets the CPU
        backstop). fsize: RLIMIT_FSIZE bytes. drop_uid: run it as nobody (65534; only when root).
        """
        request = json.dumps({"op": "fork", "tmpdir": tmpdir, "memory": memory, "timeout": timeout, "fsize": fsize,
                              "drop_uid": bool(drop_uid), "output": output})
        with self._lock:
            try:
                if not self._ready:
                    self._receive(BOOT_TIMEOUT, 0)
                    self._ready = True
                socket.send_fds(self._sock, [request.encode()], [output_fd])
                reply, fds = self._receive(REPLY_TIMEOUT, 2)
            except (OSError, ValueError, ZygoteError) as exc:
                self._broken = True
                raise ZygoteError(f"the sandbox fork server failed: {exc}") from None
        if "pid" not in reply or type(reply["pid"]) is not int or len(fds) != 2:
            for fd in fds:
                os.close(fd)
            raise SandboxUnavailable(f"the sandbox could not start a worker: {reply.get('error', reply)}")
        jail = reply.get("jail") if isinstance(reply.get("jail"), dict) else {}
        return WorkerProcess(reply["pid"], socket.socket(fileno=fds[0]), socket.socket(fileno=fds[1]), jail)

    def _receive(self, timeout, maxfds):
        if not _readable(self._sock, timeout):
            raise ZygoteError(f"no answer within {timeout:g} s")
        data, fds, _flags, _addr = socket.recv_fds(self._sock, 1 << 16, max(maxfds, 1))
        if not data:
            for fd in fds:
                os.close(fd)
            raise ZygoteError(f"it exited (status {self._proc.poll()})")
        return json.loads(data), fds

    def close(self):
        """Stop the zygote (it kills its workers first; one still booting has none, and is killed at once)."""
        self._sock.close()
        if not self._ready:
            self._proc.kill()
        try:
            self._proc.wait(2.0)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()


def spawn_worker(**kwargs):
    """Fork a worker from the shared zygote, restarting the zygote once if it has died."""
    server = ForkServer.shared()
    try:
        return server.spawn(**kwargs)
    except ZygoteError:
        ForkServer.discard_shared(server)
        return ForkServer.shared().spawn(**kwargs)


def prestart():
    """Start the shared zygote now, so it boots while the caller does other work."""
    ForkServer.shared()


def _readable(sock, timeout):
    poll = select.poll()  # not select.select: the grader may hold more than 1024 fds
    poll.register(sock, select.POLLIN)
    return bool(poll.poll(timeout * 1000))


def _numpy_path():
    spec = importlib.util.find_spec("numpy")  # finds numpy without importing it
    if spec is None or not spec.submodule_search_locations:
        raise ZygoteError("numpy is not installed")
    return [os.path.dirname(os.path.abspath(spec.submodule_search_locations[0]))]


def make_non_dumpable():
    """Best effort, Linux: no process of the same uid (a worker, or anything else the user runs) may read this
    process's memory or environment through /proc or ptrace. Every grader process calls it (grade's group)."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 4
    except (OSError, AttributeError):
        pass


@atexit.register
def _stop_shared():
    server = ForkServer._shared
    if server is not None and server._owner == os.getpid():
        server.close()
