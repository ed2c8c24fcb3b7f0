#!/usr/bin/env python3
"""Predicted per-rank memory (`dlscale models --memory-batch`, MemoryEstimate) against the
measured peak RSS of `dlscale train --np 1` for three models of different sizes.

Peak RSS is the largest resident set of the launched tree (dlscale, mpirun, the agent), from
os.wait4. The process's baseline (the Swift runtime, OpenMPI and OpenBLAS before any model) is
not in the estimate: it is measured once, as the peak RSS of the smallest zoo model (textcnn,
batch 1) minus that model's own estimate, and added to every prediction. Target: every model
within 15%. One compute thread, so one convolution column matrix (the estimate's).

Usage (after `swift build -c release`):
    python3 Benchmarks/memory_check.py [--dlscale .build/release/dlscale]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

from bench_common import ENVIRONMENT, verdict

BASELINE = ("textcnn", 1)
CASES = [("sensornet", 64), ("resnet50", 4), ("vgg16", 4)]
TOLERANCE = 0.15
MIB = 1 << 20


def run_child(command):
    """Runs a child to completion; returns the peak RSS of its tree in bytes (ru_maxrss is KiB)."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, env=ENVIRONMENT)
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(command)} failed with status {os.waitstatus_to_exitcode(status)}")
    return usage.ru_maxrss * 1024


def predicted(dlscale, model, batch):
    output = subprocess.run([dlscale, "models", "--model", model, "--memory-batch", str(batch), "--format", "json"],
                            check=True, capture_output=True, text=True).stdout
    return json.loads(output)[0]["memory_bytes"]


def measured(dlscale, model, batch, folder):
    results = os.path.join(folder, f"{model}.jsonl")
    return run_child([dlscale, "train", "--np", "1", "--model", model, "--batch", str(batch),
                      "--threads", "1", "--steps", "1", "--output", results])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dlscale", default=".build/release/dlscale")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        model, batch = BASELINE
        baseline = measured(arguments.dlscale, model, batch, folder) - predicted(arguments.dlscale, model, batch)
        print(f"baseline (runtime, MPI, BLAS): {baseline / MIB:.0f} MiB, from {model} batch {batch}")
        met = True
        for model, batch in CASES:
            estimate = predicted(arguments.dlscale, model, batch)
            peak = measured(arguments.dlscale, model, batch, folder)
            error = (estimate + baseline - peak) / peak
            met &= abs(error) <= TOLERANCE
            print(f"{model} batch {batch}: estimate {estimate / MIB:.0f} MiB + baseline {baseline / MIB:.0f} MiB "
                f"= {(estimate + baseline) / MIB:.0f} MiB; measured peak RSS {peak / MIB:.0f} MiB; "
                f"error {100 * error:+.1f}%")
        verdict("memory estimate", met, f"every model within {100 * TOLERANCE:.0f}% of its peak RSS")
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
