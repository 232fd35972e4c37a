"""Sandbox latency: zygote boot, Sandbox creation + first call, and per-call round trip.

Prints medians (never pass/fail). Peers: a bare `python -c "import numpy"` (what starting a fresh
interpreter per sandbox would cost) and a plain in-process function call.

    /work/venv/bin/python bench/bench_sandbox.py
"""

import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

from grader.sandbox.forkserver import ForkServer
from grader.sandbox.runner import Limits, Sandbox

SOURCE = '''
import numpy as np

def relu_backward(dout, z):
    return dout * (z > 0)
'''


def median_ms(samples):
    return 1000 * statistics.median(samples)


def time_python_import_numpy(runs=5):
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import numpy"], check=True)
        samples.append(time.perf_counter() - start)
    return samples


def time_zygote_boot(runs=5):
    """A fresh zygote: start the interpreter, import numpy, fork one worker."""
    samples = []
    for _ in range(runs):
        with tempfile.TemporaryFile() as out:
            start = time.perf_counter()
            server = ForkServer()
            worker = server.spawn(tmpdir=tempfile.gettempdir(), memory=1 << 30, timeout=5.0, fsize=1 << 20,
                                  output_fd=out.fileno(), drop_uid=False)
            samples.append(time.perf_counter() - start)
            worker.close()
            server.close()
    return samples


def time_create_and_first_call(x, runs=20):
    ForkServer.shared()
    with Sandbox(SOURCE) as sb:  # warm the shared zygote
        sb.call("relu_backward", x, x)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        with Sandbox(SOURCE, limits=Limits(timeout=5.0)) as sb:
            sb.call("relu_backward", x, x)
            samples.append(time.perf_counter() - start)
    return samples


def time_round_trip(x, runs=20):
    samples = []
    with Sandbox(SOURCE) as sb:
        sb.call("relu_backward", x, x)
        for _ in range(runs):
            start = time.perf_counter()
            sb.call("relu_backward", x, x)
            samples.append(time.perf_counter() - start)
    return samples


def time_local_call(x, runs=20):
    namespace = {}
    exec(SOURCE, namespace)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        namespace["relu_backward"](x, x)
        samples.append(time.perf_counter() - start)
    return samples


def main():
    x = np.random.default_rng(0).standard_normal((3, 16, 16))
    peer = median_ms(time_python_import_numpy())
    boot = median_ms(time_zygote_boot())
    first = median_ms(time_create_and_first_call(x))
    trip = median_ms(time_round_trip(x))
    local = median_ms(time_local_call(x))
    print(f"python -c 'import numpy' (peer)              : {peer:8.2f} ms")
    print(f"zygote boot + first fork                      : {boot:8.2f} ms  ({boot / peer:.2f}x the peer)")
    print(f"Sandbox creation + first call (warm zygote)   : {first:8.2f} ms  "
          f"({peer / first:.0f}x faster than the peer)")
    print(f"per-call round trip, 3x16x16 float64 (2 args) : {trip:8.3f} ms  ({trip / local:.0f}x a local call"
          f" of {1000 * local:.1f} us)")
    print("medians: 5 runs for the first two lines, 20 for the others")


if __name__ == "__main__":
    main()
