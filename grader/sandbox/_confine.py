"""What a forked sandbox worker does to itself before it runs anything: limits, the jail, uid drop, import paths.

Loaded by grader/sandbox/_zygote.py from its file path (standard library only); runs in the forked worker.
"""

import os
import resource
import sys

NOBODY = 65534  # the uid and gid a worker runs as when the grader is root and no uid of its own is mapped
UID_BASE = 2_000_000_000  # else it runs as UID_BASE + its pid: no two live workers share a uid, so a
# submission cannot signal (kill -1) or read the workers of other submissions graded at the same time
NPROC = 64  # processes and threads of that uid (fork bombs); without a uid drop: that many more than now
PR_SET_DUMPABLE, PR_SET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS = 4, 36, 38


def cpu_hard(timeout):
    return int(max(600, 60 * timeout))  # RLIMIT_CPU hard limit: a backstop, far above legitimate use


def limit_and_drop(request, packages, jail, rules):
    """Apply a fork request's limits (see grader/sandbox/_zygote.py) to this process, jail it (grader/sandbox/_jail.py: a
    private tmpfs, Landlock, seccomp) and, when asked and root, drop to a uid of its own (see _sandbox_uid).
    packages: the __path__ lists of imported packages (see packages()). rules: Landlock's (path, rights) of
    what it may read (its own folder and /dev/null are added, writable).
    -> what the jail achieved: {"tmpfs": bool, "landlock": ABI or 0, "seccomp": bool, "uid": int,
    "shared_uid": bool (True when root could not give it a uid no other worker has)}."""
    cwd = request["cwd"]
    memory, fsize = int(request["memory"]), int(request["fsize"])
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))
    hard = cpu_hard(float(request["timeout"]))
    resource.setrlimit(resource.RLIMIT_CPU, (hard, hard))
    root = bool(request["drop_uid"]) and os.geteuid() == 0
    uid = _sandbox_uid() if root else os.getuid()
    tmpfs = jail.private_tmp(cwd, uid if uid is not None else 0, uid if root and uid is not None else os.getgid())
    os.chdir(cwd)  # after the mount (into the tmpfs), before the drop (the parents may be out of reach)
    ruleset = jail.landlock_ruleset([*rules, (cwd, jail.ALL), (os.devnull, jail.ALL)])  # before the drop too
    if root and uid is not None:
        _drop_to(uid, cwd, packages)
    elif root:
        jail.drop_capabilities()  # no uid to switch to: stay, without root's powers
    else:
        _limit_processes()
    prctl(PR_SET_NO_NEW_PRIVS, 1)  # no setuid binary gives privileges back
    achieved = {"tmpfs": tmpfs, "landlock": jail.landlock(ruleset), "seccomp": jail.seccomp(),
                "uid": os.getuid(), "shared_uid": root and uid in (None, NOBODY)}
    os.environ.update(HOME=cwd, TMPDIR=cwd, PWD=cwd)
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))  # last: the worker may already be near it
    return achieved


def _drop_to(uid, cwd, packages):
    """Become `uid` (and gid), with no supplementary groups; reach import folders through fds opened before."""
    path_fds = _open_dirs(sys.path)
    os.chown(cwd, uid, uid)
    resource.setrlimit(resource.RLIMIT_NPROC, (NPROC, NPROC))  # threads (counted per uid)
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    if os.getresuid() != (uid,) * 3 or os.getresgid() != (uid,) * 3:
        raise PermissionError("the uid drop did not take")
    _reroute_paths(path_fds, packages)


def _sandbox_uid():
    """UID_BASE + pid when this user namespace maps it (as uid and gid): no other live worker has it. Else
    NOBODY when mapped (shared by the workers), else None (a namespace that maps neither: no uid to drop to)."""
    for uid in (UID_BASE + os.getpid(), NOBODY):
        if _mapped("/proc/self/uid_map", uid) and _mapped("/proc/self/gid_map", uid):
            return uid
    return None


def _mapped(path, id_, last=None):
    """Does the id map at `path` (/proc/self/uid_map or gid_map) map every id from `id_` to `last` (default:
    `id_` alone) in one of its ranges?"""
    last = id_ if last is None else last
    try:
        with open(path) as f:
            ranges = [[int(v) for v in line.split()] for line in f if line.strip()]
    except (OSError, ValueError):
        return False
    return any(len(r) == 3 and r[0] <= id_ and last < r[0] + r[2] for r in ranges)


def distinct_uids_mapped():
    """Can every worker of a root grader have UID_BASE + its pid (any pid up to pid_max, as uid and gid)?"""
    try:
        with open("/proc/sys/kernel/pid_max") as f:
            last = UID_BASE + int(f.read())
    except (OSError, ValueError):
        return False
    return all(_mapped(f"/proc/self/{name}", UID_BASE, last) for name in ("uid_map", "gid_map"))


def _limit_processes():
    """Without a uid of its own the worker shares the grader's uid, whose tasks RLIMIT_NPROC counts: allow
    NPROC more than the whole system runs now (one cheap read; a cap for fork bombs, not an exact count)."""
    try:
        with open("/proc/loadavg") as f:
            tasks = int(f.read().split()[3].partition("/")[2])  # "running/total" scheduling entities
    except (OSError, ValueError, IndexError):
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NPROC)
    limit = tasks + NPROC if hard == resource.RLIM_INFINITY else min(tasks + NPROC, hard)
    if soft == resource.RLIM_INFINITY or limit < soft:
        resource.setrlimit(resource.RLIMIT_NPROC, (limit, hard))


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
