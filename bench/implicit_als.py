"""The peer of bench:train's ALS: implicit's CPU ALS (C++, conjugate gradient) on the same matrix.

Called by bench/train.ts with the confidence matrix Marquee's ALS trains on, exported as raw
little-endian arrays (indptr int32, indices int32, values float32; values are the confidences
c = 1 + alpha * f, so implicit runs with alpha = 1 and the same regularisation, factors, CG steps
and iterations). Prints one line `PEER_RESULT {json}`: CPU seconds per iteration (process, all
threads), wall seconds per iteration, peak RSS, RSS once the matrix is loaded.
"""

import json
import os
import resource
import sys
import time


def current_rss_mb() -> float:
    """Resident set now (VmRSS), not the high-water mark: loading may peak above what stays resident."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    spec = json.loads(sys.argv[1])
    # implicit warns (and slows down) when BLAS runs threads of its own; the bench sets this too.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    import numpy as np
    import scipy.sparse as sp
    import implicit
    from implicit.cpu.als import AlternatingLeastSquares

    d = spec["dir"]
    rows, cols = spec["rows"], spec["cols"]
    indptr = np.fromfile(os.path.join(d, "indptr.bin"), dtype="<i4")
    indices = np.fromfile(os.path.join(d, "indices.bin"), dtype="<i4")
    values = np.fromfile(os.path.join(d, "values.bin"), dtype="<f4")
    user_items = sp.csr_matrix((values, indices, indptr), shape=(rows, cols))
    del indptr, indices, values
    rss_after_data_mb = current_rss_mb()

    model = AlternatingLeastSquares(
        factors=spec["factors"],
        regularization=spec["regularization"],
        alpha=1.0,
        iterations=spec["iterations"],
        use_cg=True,
        use_native=True,
        num_threads=spec["threads"],
        random_state=spec["seed"],
    )
    model.cg_steps = spec["cgSteps"]
    wall_ends: list = []
    cpu_ends: list = []
    wall0 = time.perf_counter()
    cpu0 = time.process_time()

    def on_iteration(iteration, elapsed, loss):  # implicit's fit_callback
        wall_ends.append(time.perf_counter() - wall0)
        cpu_ends.append(time.process_time() - cpu0)

    model.fit(user_items, show_progress=False, callback=on_iteration)
    wall = time.perf_counter() - wall0
    cpu = time.process_time() - cpu0

    def deltas(ends):
        return [round(t - (ends[i - 1] if i else 0.0), 3) for i, t in enumerate(ends)]

    cpu_per = deltas(cpu_ends)
    wall_per = deltas(wall_ends)
    steady_cpu = cpu_per[1:] if len(cpu_per) > 1 else cpu_per
    steady_wall = wall_per[1:] if len(wall_per) > 1 else wall_per
    result = {
        "library": "implicit",
        "version": implicit.__version__,
        "numpy": np.__version__,
        "threads": spec["threads"],
        "params": {
            "factors": spec["factors"],
            "regularization": spec["regularization"],
            "iterations": spec["iterations"],
            "cgSteps": spec["cgSteps"],
            "alpha": 1.0,
        },
        "trainingSeconds": wall,
        "cpuSeconds": cpu,
        "meanCoresUsed": cpu / max(wall, 1e-9),
        "secondsPerIteration": wall_per,
        "cpuSecondsPerIteration": cpu_per,
        "meanSecondsPerIteration": sum(steady_wall) / max(1, len(steady_wall)),
        "meanCpuSecondsPerIteration": sum(steady_cpu) / max(1, len(steady_cpu)),
        "peakRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rssAfterDataMb": rss_after_data_mb,
        "loadavgEnd": list(os.getloadavg()),
    }
    print("PEER_RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
