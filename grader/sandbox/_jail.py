"""The jail: the kernel calls a forked sandbox worker makes on itself before any submission code runs. Linux.

Loaded by grader/sandbox/_zygote.py from its file path (standard library only) and called by grader/sandbox/_confine.py. Each
call, and why:
1. `private_tmp`: unshare(CLONE_NEWNS, with CLONE_NEWUSER when not root) and mount a tmpfs on the worker's
   folder: its temporary space is capped (TMP_SIZE, TMP_INODES) and vanishes with it. `drop_capabilities`:
   capset, for root in a user namespace that maps no uid to switch to.
2. `landlock_ruleset`, `landlock`: landlock_create_ruleset / add_rule / restrict_self: the worker may read only the standard
   library, NumPy and the shared libraries already loaded, and write only its own folder (not /tmp, /dev/shm,
   the results, the reference, the checks or solutions/); no TCP bind or connect (ABI 4); abstract unix sockets
   and signals scoped to itself (ABI 6).
3. `seccomp`: a BPF filter (after PR_SET_NO_NEW_PRIVS) that fails with EPERM what no answer needs and a jail
   must not allow: new processes (fork, vfork, clone without CLONE_THREAD, execve: nothing can outlive the
   worker, and its RLIMIT_AS is the memory of the whole submission); sockets and io_uring (no network,
   localhost included); signals to other processes, ptrace, process_vm_*, pidfd_*; namespaces and mounts;
   memfd_create (memory outside RLIMIT_AS); bpf, perf_event_open, userfaultfd, keys, modules, kexec, reboot.
   clone3 fails with ENOSYS, so that threads fall back to clone, whose flags the filter can read.
Each returns what it achieved (the worker reports it; `grade doctor` shows it); none raises when the kernel
lacks the feature, since grading must still work there and say so.
"""

import ctypes
import os
import stat
import struct

TMP_SIZE = 64 << 20  # bytes of the worker's private tmpfs
TMP_INODES = 1024  # files and folders in it
CLONE_NEWNS, CLONE_NEWUSER, CLONE_THREAD = 0x00020000, 0x10000000, 0x00010000
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REC, MS_PRIVATE = 2, 4, 8, 0x4000, 0x40000
PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 4, 38, 22, 2

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result, what):
    if result < 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")
    return result


# ---- 1. a private, capped tmpfs ------------------------------------------------------------------------------

def private_tmp(folder, uid, gid):
    """Mount a capped tmpfs on `folder`, owned by uid:gid, in a mount namespace of the worker's own. -> bool"""
    try:
        if os.geteuid() == 0:
            _check(_libc.unshare(CLONE_NEWNS), "unshare")
        else:
            _check(_libc.unshare(CLONE_NEWUSER | CLONE_NEWNS), "unshare")
            _libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)  # a non-dumpable process may not write its own maps
            try:
                for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"),
                                   ("gid_map", f"{gid} {gid} 1")):
                    with open(f"/proc/self/{name}", "w") as f:
                        f.write(text)
            finally:
                _libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
        _check(_libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None), "mount --make-rprivate /")
        options = f"size={TMP_SIZE},nr_inodes={TMP_INODES},mode=0700,uid={uid},gid={gid}".encode()
        _check(_libc.mount(b"tmpfs", os.fsencode(folder), b"tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, options),
               "mount tmpfs")
    except OSError:
        return False
    return True


def drop_capabilities():
    """capset(2) to nothing: root that cannot switch to another uid keeps none of root's powers."""
    header = struct.pack("Ii", 0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
    data = bytes(24)  # effective, permitted, inheritable = 0, for both 32-bit halves
    _check(_libc.capset(ctypes.c_char_p(header), ctypes.c_char_p(data)), "capset")


# ---- 2. Landlock ---------------------------------------------------------------------------------------------

SYS_LANDLOCK = {"x86_64": (444, 445, 446), "aarch64": (444, 445, 446)}  # create_ruleset, add_rule, restrict
READ, LIST, ALL = 1 | 4 | 8, 8, (1 << 16) - 1  # EXECUTE | READ_FILE | READ_DIR; READ_DIR; every right handled
FS_FILE_RIGHTS = 1 | 2 | 4 | (1 << 14) | (1 << 15)  # the rights a rule on a file (not a folder) may hold
FS_ALL = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 4: (1 << 15) - 1, 5: (1 << 16) - 1}
NET_ALL, SCOPE_ALL = 1 | 2, 1 | 2  # TCP bind and connect; abstract unix sockets and signals


def landlock_abi():
    """The kernel's Landlock ABI version (0: none)."""
    numbers = SYS_LANDLOCK.get(os.uname().machine)
    if numbers is None:
        return 0
    return max(_libc.syscall(numbers[0], None, 0, 1), 0)  # LANDLOCK_CREATE_RULESET_VERSION


def landlock_ruleset(rules):
    """A ruleset fd from (path, rights) pairs (READ, LIST or ALL), each path opened here: call this before a uid
    drop, which may put them out of reach. None when the kernel has no Landlock."""
    abi = landlock_abi()
    if abi == 0:
        return None
    create, add_rule, _restrict = SYS_LANDLOCK[os.uname().machine]
    handled = FS_ALL[min(abi, 5)]
    attr = struct.pack("QQQ", handled, NET_ALL if abi >= 4 else 0, SCOPE_ALL if abi >= 6 else 0)
    size = 8 if abi < 4 else 16 if abi < 6 else 24
    ruleset = _check(_libc.syscall(create, ctypes.c_char_p(attr[:size]), size, 0), "landlock_create_ruleset")
    try:
        for path, rights in rules:
            _allow(add_rule, ruleset, path, rights & handled)
    except BaseException:
        os.close(ruleset)
        raise
    return ruleset


def landlock(ruleset):
    """Restrict this process (and threads it starts) to its ruleset. -> the ABI version applied (0: none)."""
    if ruleset is None:
        return 0
    try:
        _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
        _check(_libc.syscall(SYS_LANDLOCK[os.uname().machine][2], ruleset, 0), "landlock_restrict_self")
    finally:
        os.close(ruleset)
    return landlock_abi()


def stdlib_rules(folders):
    """The standard library's folders as (path, rights) rules. A rule allows everything beneath its folder, so
    one that holds site-packages (or dist-packages) may only be listed, and its entries but that one read."""
    rules = []
    for folder in folders:
        try:
            entries = os.listdir(folder)
        except OSError:
            continue
        if {"site-packages", "dist-packages"} & set(entries):
            rules.append((folder, LIST))
            rules += [(os.path.join(folder, e), READ) for e in sorted(entries)
                      if e not in ("site-packages", "dist-packages")]
        else:
            rules.append((folder, READ))
    return rules


def _allow(add_rule, ruleset, path, rights):
    """One rule: `rights` beneath `path` (a path or an O_PATH fd); a missing path is skipped."""
    try:
        fd = path if type(path) is int else os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return
    try:
        if not stat.S_ISDIR(os.fstat(fd).st_mode):
            rights &= FS_FILE_RIGHTS
        rule = struct.pack("=Qi", rights, fd)  # struct landlock_path_beneath_attr (packed)
        _check(_libc.syscall(add_rule, ruleset, 1, ctypes.c_char_p(rule), 0), f"landlock_add_rule {path}")
    finally:
        if type(path) is not int:
            os.close(fd)


def loaded_libraries(keep_out):
    """The shared objects this process has mapped (libc, libm, OpenBLAS ...), as Landlock rules: their folders,
    where an extension module loaded later finds what it needs; but only the files themselves in a folder
    that holds a folder of `keep_out` (pyenv's lib/ holds libpython and python3.X/site-packages)."""
    try:
        with open("/proc/self/maps") as f:
            lines = f.read().splitlines()
    except OSError:
        return []
    paths = set()
    for line in lines:
        fields = line.split(None, 5)
        path = fields[5].strip() if len(fields) == 6 else ""
        if path.startswith("/") and ".so" in os.path.basename(path):
            folder = os.path.dirname(path)
            paths.add(path if any(k == folder or k.startswith(folder + os.sep) for k in keep_out) else folder)
    return sorted(paths)


# ---- 3. seccomp ----------------------------------------------------------------------------------------------

ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}  # AUDIT_ARCH_*
SYSCALLS = {  # name: (x86_64, aarch64); None: the architecture has no such call
    "fork": (57, None), "vfork": (58, None), "execve": (59, 221), "execveat": (322, 281),
    "socket": (41, 198), "socketpair": (53, 199), "io_uring_setup": (425, 425), "io_uring_enter": (426, 426),
    "io_uring_register": (427, 427), "ptrace": (101, 117), "process_vm_readv": (310, 270),
    "process_vm_writev": (311, 271), "pidfd_open": (434, 434), "pidfd_send_signal": (424, 424),
    "pidfd_getfd": (438, 438), "setsid": (112, 157), "setpgid": (109, 154), "unshare": (272, 97),
    "setns": (308, 268), "mount": (165, 40), "umount2": (166, 39), "pivot_root": (155, 41), "chroot": (161, 51),
    "open_tree": (428, 428), "move_mount": (429, 429), "fsopen": (430, 430), "fsconfig": (431, 431),
    "fsmount": (432, 432), "memfd_create": (319, 279), "bpf": (321, 280), "perf_event_open": (298, 241),
    "userfaultfd": (323, 282), "keyctl": (250, 219), "add_key": (248, 217), "request_key": (249, 218),
    "kexec_load": (246, 104), "kexec_file_load": (320, 294), "init_module": (175, 105),
    "finit_module": (313, 273), "delete_module": (176, 106), "reboot": (169, 142), "swapon": (167, 224),
    "swapoff": (168, 225), "acct": (163, 89), "name_to_handle_at": (303, 264), "open_by_handle_at": (304, 265),
}
CLONE = (56, 220)  # allowed with CLONE_THREAD in its flags (argument 0): threads, not processes
CLONE3 = (435, 435)  # ENOSYS: glibc then uses clone
SIGNALS = {"kill": (62, 129), "tkill": (200, 130), "tgkill": (234, 131), "rt_sigqueueinfo": (129, 138),
           "rt_tgsigqueueinfo": (297, 240)}  # allowed only to itself: argument 0 is its pid (or tid)
EPERM, ENOSYS = 1, 38
RET_ALLOW, RET_ERRNO, RET_KILL = 0x7FFF0000, 0x00050000, 0x80000000
LD_W_ABS, JEQ_K, JSET_K, RET_K = 0x20, 0x15, 0x45, 0x06


def _op(code, k, jt=0, jf=0):
    return struct.pack("HBBI", code, jt, jf, k)


def seccomp_filter(machine, pid):
    """The BPF program, as bytes, for this architecture; `pid`: the worker's own (signals allowed to it)."""
    column = {"x86_64": 0, "aarch64": 1}[machine]
    denied = sorted({numbers[column] for numbers in SYSCALLS.values() if numbers[column] is not None})
    prog = [_op(LD_W_ABS, 4), _op(JEQ_K, ARCH[machine], 1, 0), _op(RET_K, RET_KILL), _op(LD_W_ABS, 0)]
    if machine == "x86_64":  # the x32 ABI's numbers (bit 30) would slip past the list
        prog += [_op(JSET_K, 0x40000000, 0, 1), _op(RET_K, RET_ERRNO | ENOSYS)]
    for number in denied:
        prog += [_op(JEQ_K, number, 0, 1), _op(RET_K, RET_ERRNO | EPERM)]
    prog += [_op(JEQ_K, CLONE3[column], 0, 1), _op(RET_K, RET_ERRNO | ENOSYS)]
    prog += [_op(JEQ_K, CLONE[column], 0, 4), _op(LD_W_ABS, 16), _op(JSET_K, CLONE_THREAD, 0, 1),
             _op(RET_K, RET_ALLOW), _op(RET_K, RET_ERRNO | EPERM)]
    for numbers in SIGNALS.values():  # arg 0 (low 32 bits at offset 16) must be our pid, a thread id of ours
        prog += [_op(JEQ_K, numbers[column], 0, 5), _op(LD_W_ABS, 16), _op(JEQ_K, pid, 2, 0),
                 _op(JEQ_K, 0, 1, 0), _op(RET_K, RET_ERRNO | EPERM), _op(RET_K, RET_ALLOW)]
    return b"".join(prog + [_op(RET_K, RET_ALLOW)])


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_char_p)]


def seccomp():
    """Install the filter on this process (threads it starts inherit it). -> True, or False where this
    architecture is not known."""
    machine = os.uname().machine
    if machine not in ARCH:
        return False
    program = seccomp_filter(machine, os.getpid())
    prog = _SockFprog(len(program) // 8, program)
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    _check(_libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0), "seccomp")
    return True
