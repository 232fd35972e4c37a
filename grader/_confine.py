"""What a forked sandbox worker does to itself before it runs anything: limits, uid drop, import paths.

Loaded by grader/_zygote.py from its file path (standard library only); runs in the forked worker.
"""

import os
import resource
import sys

NOBODY = 65534  # the uid and gid a worker runs as when the grader is root
NPROC = 64  # processes and threads of that uid (fork bombs)
PR_SET_DUMPABLE, PR_SET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS = 4, 36, 38


def cpu_hard(timeout):
    return int(max(600, 60 * timeout))  # RLIMIT_CPU hard limit: a backstop, far above legitimate use


def limit_and_drop(request, packages):
    """Apply a fork request's limits (see grader/_zygote.py) to this process, enter its directory and, when
    asked and root, become NOBODY. packages: the __path__ lists of imported packages (see packages())."""
    cwd = request["cwd"]
    memory, fsize = int(request["memory"]), int(request["fsize"])
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))
    hard = cpu_hard(float(request["timeout"]))
    resource.setrlimit(resource.RLIMIT_CPU, (hard, hard))
    os.chdir(cwd)  # before the drop: the sandbox uid may not be able to reach the temp directory's parents
    if request["drop_uid"] and os.geteuid() == 0:
        path_fds = _open_dirs(sys.path)
        os.chown(cwd, NOBODY, NOBODY)
        resource.setrlimit(resource.RLIMIT_NPROC, (NPROC, NPROC))  # fork bombs (counted per uid)
        os.setgroups([])
        os.setresgid(NOBODY, NOBODY, NOBODY)
        os.setresuid(NOBODY, NOBODY, NOBODY)
        if os.getresuid() != (NOBODY,) * 3 or os.getresgid() != (NOBODY,) * 3:
            raise PermissionError("the uid drop did not take")
        _reroute_paths(path_fds, packages)
    prctl(PR_SET_NO_NEW_PRIVS, 1)  # no setuid binary gives privileges back
    os.environ.update(HOME=cwd, TMPDIR=cwd, PWD=cwd)
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))  # last: the worker may already be near it


def _open_dirs(paths):
    fds = {}
    for path in paths:
        try:
            fds[path] = os.open(path, os.O_PATH | os.O_DIRECTORY)
        except OSError:
            pass
    return fds


def _reroute_paths(fds, packages):
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
    prefixes = tuple(moved) + tuple(p + os.sep for p in moved)
    for paths in packages:
        if any(type(p) is str and p.startswith(prefixes) for p in paths):
            paths[:] = [_moved(p, moved) for p in paths]


def packages(cache={}):
    """The __path__ lists of the imported packages (recomputed when modules were added)."""
    if cache.get("count") != len(sys.modules):
        modules = list(sys.modules.values())
        cache["paths"] = [p for p in (vars(m).get("__path__") for m in modules if type(m) is type(sys))
                          if type(p) is list]
        cache["count"] = len(modules)
    return cache["paths"]


def _moved(path, moved):
    for old, new in moved.items():
        if type(path) is str and (path == old or path.startswith(old + os.sep)):
            return new + path[len(old):]
    return path


def prctl(option, value, libc=[]):
    try:
        if not libc:
            import ctypes
            libc.append(ctypes.CDLL(None, use_errno=True))
        libc[0].prctl(option, value, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # best effort: not Linux, or no libc symbol
