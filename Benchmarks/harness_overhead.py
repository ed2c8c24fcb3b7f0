#!/usr/bin/env python3
"""The dlscale harness against the minimal C reference: MPI_Allreduce latency at 2 ranks from
8 B to 64 MiB, both timed the same way, alternated in one run: the sizes are taken in groups
(a decade of sizes each), and within a round each group is measured by both programs back to
back, the first program alternating from round to round, so that both sides of a ratio are
measured seconds apart. For each size the best (lowest) mean of the rounds is kept for each
side, and the ratio dlscale / C printed. The target is a ratio within 1.05 at every size."""
import argparse
import json
import os
import subprocess
import sys
import tempfile

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--dlscale-agent", required=True)
parser.add_argument("--reference", required=True)
parser.add_argument("--ranks", type=int, default=2)
parser.add_argument("--rounds", type=int, default=5)
parser.add_argument("--group", type=int, default=4, help="sizes per group (doublings)")
parser.add_argument("--min", type=int, default=8)
parser.add_argument("--max", type=int, default=64 << 20)
args = parser.parse_args()

env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
mpirun = ["mpirun", "-np", str(args.ranks), "--bind-to", "core"]


def fmt(n):
    for unit, scale in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale and n % scale == 0:
            return f"{n // scale}{unit}"
    return f"{n}B"


best_c, best_swift = {}, {}


def run_reference(low, high):
    out = subprocess.run(mpirun + [args.reference, str(low), str(high)], env=env, check=True,
                         capture_output=True, text=True).stdout
    for line in out.split("\n"):
        if line.strip():
            size, mean = line.split()
            best_c[int(size)] = min(best_c.get(int(size), float("inf")), float(mean))


def run_harness(low, high):
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "r.jsonl")
        subprocess.run(mpirun + [args.dlscale_agent, "allreduce", "--sizes", f"{low}:{high}",
                                 "--output", path], env=env, check=True, capture_output=True)
        for line in open(path):
            record = json.loads(line)
            size, mean = record["bytes"], record["time_us"]["mean"]
            best_swift[size] = min(best_swift.get(size, float("inf")), mean)


sizes = []
size = args.min
while size <= args.max:
    sizes.append(size)
    size *= 2
groups = [(sizes[i], sizes[min(i + args.group, len(sizes)) - 1]) for i in range(0, len(sizes), args.group)]
for round_index in range(args.rounds):
    for low, high in groups:
        order = (run_reference, run_harness) if round_index % 2 == 0 else (run_harness, run_reference)
        for program in order:
            program(low, high)
    print(f"round {round_index + 1}/{args.rounds} done", file=sys.stderr)

print(f"# MPI_Allreduce at {args.ranks} ranks: minimal C vs dlscale harness "
      f"(best of {args.rounds} rounds, alternated per group of {args.group} sizes; mean over ranks of per-rank means)")
print(f"{'size':>8} {'C (us)':>12} {'dlscale (us)':>14} {'ratio':>7}")
worst = 0.0
for size in sorted(best_c):
    ratio = best_swift[size] / best_c[size]
    worst = max(worst, ratio)
    print(f"{fmt(size):>8} {best_c[size]:12.2f} {best_swift[size]:14.2f} {ratio:7.3f}")
print(f"# worst ratio {worst:.3f} (target <= 1.05): {'met' if worst <= 1.05 else 'NOT met'}")
