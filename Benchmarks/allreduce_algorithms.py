#!/usr/bin/env python3
"""dlscale's allreduce algorithms against OpenMPI's own on an emulated cluster (4 hosts, one rank
each, 200 Mbit/s = 25e6 B/s per link), side by side in one run: our algorithms (one `dlscale
allreduce` run), `mpi` with OpenMPI's default decision, and `mpi` with each tuned algorithm
forced (`--mca coll_tuned_use_dynamic_rules 1 --mca coll_tuned_allreduce_algorithm K`, K=1..6).

Targets: ring's bus bandwidth at 16 MiB and 64 MiB >= 90% of the link rate and not below the
best OpenMPI algorithm; at 8 B - 4 KiB the best of our algorithms within 1.25x of `mpi`'s
latency (OpenMPI's default decision)."""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_common import emulated_cluster, log, records, run, size_text, verdict  # noqa: E402

OURS = ["ring", "recursive-doubling", "rabenseifner", "binomial", "hierarchical"]
OPENMPI = {1: "basic linear", 2: "nonoverlapping", 3: "recursive doubling", 4: "ring", 5: "segmented ring",
           6: "rabenseifner"}

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--dlscale", default=".build/release/dlscale")
parser.add_argument("--cluster", default="benchalg")
parser.add_argument("--hosts", type=int, default=4)
parser.add_argument("--rate", default="200mbit")
parser.add_argument("--link-bytes-per-s", type=float, default=25e6)
parser.add_argument("--sizes", default="8,64,512,4KiB,32KiB,256KiB,1MiB,4MiB,16MiB,64MiB")
parser.add_argument("--seconds-per-size", type=float, default=2)
parser.add_argument("--results", default="bench-results/algorithms")
args = parser.parse_args()

os.makedirs(args.results, exist_ok=True)
runs = {}  # label -> results file
with emulated_cluster(args.dlscale, args.cluster, args.hosts, args.rate) as cluster:
    common = ["--np", str(args.hosts), "--cluster", cluster, "--sizes", args.sizes,
              "--seconds-per-size", str(args.seconds_per_size), "--timeout", "3600"]
    path = os.path.join(args.results, "ours.jsonl")
    if os.path.exists(path):
        os.remove(path)
    run([args.dlscale, "allreduce", *common, "--algorithms", "mpi," + ",".join(OURS), "--output", path])
    for name in OURS + ["mpi"]:
        runs[name] = (path, name)
    for k in OPENMPI:
        path = os.path.join(args.results, f"openmpi-{k}.jsonl")
        if os.path.exists(path):
            os.remove(path)
        flags = ["--mca", "coll_tuned_use_dynamic_rules", "1", "--mca", "coll_tuned_allreduce_algorithm", str(k)]
        run([args.dlscale, "allreduce", *common, "--algorithms", "mpi", "--output", path,
             *[f"--mpirun-arg={flag}" for flag in flags]])
        runs[f"mpi/{k} {OPENMPI[k]}"] = (path, "mpi")
        log(f"OpenMPI algorithm {k} done")

table = {}  # label -> bytes -> record
for label, (path, algorithm) in runs.items():
    table[label] = {r["bytes"]: r for r in records(path, "allreduce") if r["algorithm"] == algorithm}
sizes = sorted({size for row in table.values() for size in row})
wrong = sum(r.get("wrong", 0) for row in table.values() for r in row.values())

print(f"# allreduce on {args.hosts} emulated hosts at {args.rate} ({args.link_bytes_per_s / 1e6:.0f} MB/s per link), "
      f"1 rank per host; mean time over ranks (us), then bus bandwidth (MB/s); wrong elements: {wrong}")
print("# (the 2 cores of this machine are shared by the 4 ranks: small-message latency includes CPU contention)")
width = max(len(label) for label in table) + 1
for title, value in (("time (us)", lambda r: f"{r['time_us']['mean']:.1f}"),
                     ("busbw (MB/s)", lambda r: f"{r['busbw_gbps'] * 1e3:.2f}")):
    print(f"\n{title:<{width}}" + "".join(f"{size_text(s):>11}" for s in sizes))
    for label, row in table.items():
        print(f"{label:<{width}}" + "".join(f"{value(row[s]) if s in row else '-':>11}" for s in sizes))


def busbw(label, size):
    return table[label][size]["busbw_gbps"] * 1e9 if size in table[label] else 0.0


print()
openmpi_labels = [label for label in table if label.startswith("mpi")]
all_met = wrong == 0
for size in (16 << 20, 64 << 20):
    ring = busbw("ring", size)
    best_label = max(openmpi_labels, key=lambda label: busbw(label, size))
    best = busbw(best_label, size)
    all_met &= verdict(f"ring busbw at {size_text(size)} >= 90% of link", ring >= 0.9 * args.link_bytes_per_s,
                       f"{ring / 1e6:.2f} MB/s = {100 * ring / args.link_bytes_per_s:.1f}% of "
                       f"{args.link_bytes_per_s / 1e6:.0f} MB/s")
    all_met &= verdict(f"ring busbw at {size_text(size)} >= best OpenMPI", ring >= best,
                       f"ring {ring / 1e6:.2f} MB/s vs {best_label} {best / 1e6:.2f} MB/s, ratio {ring / best:.3f}")
worst = 0.0
details = []
for size in [s for s in sizes if s <= 4096]:
    ours = min((table[a][size]["time_us"]["mean"], a) for a in OURS if size in table[a])
    mpi = table["mpi"][size]["time_us"]["mean"]
    best_mpi = min(table[label][size]["time_us"]["mean"] for label in openmpi_labels if size in table[label])
    worst = max(worst, ours[0] / mpi)
    details.append(f"{size_text(size)}: {ours[1]} {ours[0]:.0f} us / mpi {mpi:.0f} us = {ours[0] / mpi:.2f} "
                   f"(best forced OpenMPI {best_mpi:.0f} us)")
print("# small messages, best of ours vs mpi (OpenMPI's default decision):")
for line in details:
    print("#   " + line)
all_met &= verdict("best of ours at 8B-4KiB within 1.25x of mpi", worst <= 1.25, f"worst ratio {worst:.2f}")
all_met &= verdict("every result validated", wrong == 0, f"{wrong} wrong elements")
print(f"# bench-algorithms: {'all targets met' if all_met else 'some targets NOT met'}")
