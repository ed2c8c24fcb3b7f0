#!/usr/bin/env python3
"""The dlscale harness against the minimal C reference: MPI_Allreduce latency at 2 ranks from
8 B to 64 MiB, both timed the same way, alternated in one run: the sizes are taken in groups
(a decade of sizes each), and within a round each group is measured by both programs back to
back, the first program alternating from round to round, so that both sides of a ratio are
measured seconds apart.

Each launch gives, per size, the mean over ranks of each rank's mean iteration time (OSU's
statistic) and of each rank's median. On a small VM both vary from launch to launch: a launch
of either program lands in a fast or a slow mode for small messages (0.38 against 0.55-0.65 us
at 8 B here, whatever the buffer's address), and one preempted iteration in a thousand moves a
mean by a microsecond. So each side's figure per size is the median over the rounds (a mode
that few launches get, or one disturbed launch, does not decide it); the best of the rounds is
printed beside it. The target is a ratio dlscale / C within 1.05 at every size; the verdict is
given for both the mean latency (OSU's statistic) and the median.

The two sides of one round are measured seconds apart, so their ratio is free of the machine's
drift over the run (its speed moves by more than 5% over minutes here): the `paired` columns are
the median over the rounds of each round's ratio, by the mean and by the median latency, with a
verdict of their own. `--raw FILE` keeps every launch's figures as JSON.

By default the C program also makes the MPI calls the harness makes outside its timed loops
(`--harness-traffic`: the metadata exchange before the first size, a validation allreduce, the
statistics gathered after each size), so that both time MPI_Allreduce from the same state of
OpenMPI's shared-memory fast boxes; `--plain-reference` compares with the bare program.

`--control` measures the noise floor: the C program against itself, in the same alternation, in
place of the harness. Whatever ratio it shows is this machine's, not the harness's."""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--dlscale-agent", required=True)
parser.add_argument("--reference", required=True)
parser.add_argument("--ranks", type=int, default=2)
parser.add_argument("--rounds", type=int, default=17)
parser.add_argument("--group", type=int, default=4, help="sizes per group (doublings)")
parser.add_argument("--plain-reference", action="store_true",
                    help="run the C program without the harness's untimed MPI traffic")
parser.add_argument("--control", action="store_true",
                    help="compare the C program with itself instead of with the harness (the noise floor)")
parser.add_argument("--raw", help="also write every launch's (mean, median) per size here, as JSON")
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


# size -> one (mean, median) pair per launch
runs_c, runs_swift = {}, {}


def run_reference(low, high, into=runs_c):
    traffic = [] if args.plain_reference else ["--harness-traffic"]
    out = subprocess.run(mpirun + [args.reference] + traffic + [str(low), str(high)], env=env, check=True,
                         capture_output=True, text=True).stdout
    for line in out.split("\n"):
        if line.strip():
            size, mean, median = line.split()
            into.setdefault(int(size), []).append((float(mean), float(median)))


def run_harness(low, high):
    if args.control:
        run_reference(low, high, into=runs_swift)
        return
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "r.jsonl")
        subprocess.run(mpirun + [args.dlscale_agent, "allreduce", "--sizes", f"{low}:{high}",
                                 "--output", path], env=env, check=True, capture_output=True)
        for line in open(path):
            record = json.loads(line)
            if record.get("kind") != "allreduce":
                continue
            ranks = record["rank_time_us"]
            median = sum(rank["median"] for rank in ranks) / len(ranks)
            runs_swift.setdefault(record["bytes"], []).append((record["time_us"]["mean"], median))


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

other = "the same C program again (control: the noise floor)" if args.control else "dlscale harness"
label = "C again" if args.control else "dlscale"
print(f"# MPI_Allreduce at {args.ranks} ranks: minimal C ({'plain' if args.plain_reference else 'with the harness traffic'})"
      f" vs {other}, {args.rounds} rounds alternated per "
      f"group of {args.group} sizes; per side the median over rounds (best of rounds in brackets)")
print(f"{'size':>8} {'C mean us':>10} {label:>8} {'ratio':>7} {'(best':>7}) {'C median us':>12} {label:>8} "
      f"{'ratio':>7} {'paired':>7} {'paired':>7}")
worst = worst_median = worst_paired = worst_paired_median = 0.0
for size in sorted(runs_c):
    # Launch r of either side belongs to round r: both measured seconds apart.
    pairs = list(zip(runs_swift[size], runs_c[size]))
    paired = statistics.median(s[0] / c[0] for s, c in pairs)
    paired_median = statistics.median(s[1] / c[1] for s, c in pairs)
    worst_paired, worst_paired_median = max(worst_paired, paired), max(worst_paired_median, paired_median)
    c_mean = statistics.median(mean for mean, _ in runs_c[size])
    s_mean = statistics.median(mean for mean, _ in runs_swift[size])
    c_median = statistics.median(median for _, median in runs_c[size])
    s_median = statistics.median(median for _, median in runs_swift[size])
    best = min(mean for mean, _ in runs_swift[size]) / min(mean for mean, _ in runs_c[size])
    ratio, ratio_median = s_mean / c_mean, s_median / c_median
    worst, worst_median = max(worst, ratio), max(worst_median, ratio_median)
    print(f"{fmt(size):>8} {c_mean:10.3f} {s_mean:8.3f} {ratio:7.3f} {best:7.3f}  {c_median:12.3f} {s_median:8.3f} "
          f"{ratio_median:7.3f} {paired:7.3f} {paired_median:7.3f}")


def met(value):
    return "met" if value <= 1.05 else "NOT met"


print(f"# worst ratio (target <= 1.05) of the mean latency {worst:.3f}: {met(worst)}; "
      f"of the median latency {worst_median:.3f}: {met(worst_median)}")
print(f"# worst paired ratio (median over rounds of each round's ratio) of the mean latency {worst_paired:.3f}: "
      f"{met(worst_paired)}; of the median latency {worst_paired_median:.3f}: {met(worst_paired_median)}")
if args.raw:
    with open(args.raw, "w") as file:
        json.dump({"c": {str(k): v for k, v in runs_c.items()}, label: {str(k): v for k, v in runs_swift.items()}},
                  file)
