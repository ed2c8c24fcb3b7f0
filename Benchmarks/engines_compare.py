#!/usr/bin/env python3
"""dlscale's training engine against PyTorch's DistributedDataParallel on the same emulated cluster
(4 hosts, one rank each, 200 Mbit/s links), both launched by `dlscale train` (`--engine dlscale` and
`--engine pytorch`), weak scaling at 1, 2, 3 and 4 hosts, the two engines alternated round by round
(and their order swapped every round) so that a drift of the machine shifts both alike.

Models: ResNet-50 at batch 12 (much compute per byte of gradient) and the acoustic model at batch 4
(139 MB of gradient, little compute). Each run also times compute alone and communication alone
(`--alone-steps`). Per engine and model it prints samples/s at each host count (median over the
rounds), the weak-scaling efficiency E(4) = t(1) / t(4) from the median step times, and
step / max(compute alone, communication alone) at 4 hosts (1: perfect overlap).

Targets (VERDICT lines), per model: dlscale's step / max(alone) at 4 hosts <= PyTorch's; dlscale's
efficiency at 4 hosts >= PyTorch's.

dlscale runs with its defaults (`--overlap forward`, ring); PyTorch with DDP's only mode (overlap
beside backward, gloo's allreduce); both with the same 8 MiB buckets, threads and steps.

Needs root (the emulated cluster) and python3-torch. `--smoke` instead runs 1 and 2 local ranks of
SensorNet for 2 steps, one round, to check the script itself (its figures mean nothing).

Usage: python3 Benchmarks/engines_compare.py [--dlscale .build/release/dlscale] [--rounds 3] [--smoke]
       python3 Benchmarks/engines_compare.py --records ROUND1.jsonl ROUND2.jsonl   (the table only)
"""
import argparse
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_common import TRAINING_BURST, emulated_cluster, log, records, run, verdict  # noqa: E402

ENGINES = ("dlscale", "pytorch")

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--dlscale", default=".build/release/dlscale")
parser.add_argument("--cluster", default="benchen")
parser.add_argument("--hosts", type=int, default=4)
parser.add_argument("--rate", default="200mbit")
parser.add_argument("--cpus", type=float, default=0.4,
                    help="cores per emulated host (4 hosts share this machine's cores with the network's work)")
parser.add_argument("--burst", type=int, default=TRAINING_BURST, help="every link's tbf burst in bytes")
parser.add_argument("--models", default="resnet50:12,acoustic:4", help="MODEL:BATCH,...")
parser.add_argument("--rounds", type=int, default=3)
parser.add_argument("--steps", type=int, default=3)
parser.add_argument("--alone-steps", type=int, default=1)
parser.add_argument("--bucket", default="8MiB")
parser.add_argument("--threads", type=int, default=1)
parser.add_argument("--timeout", type=int, default=1800, help="seconds per run")
parser.add_argument("--output", default="bench-results/engines/train.jsonl")
parser.add_argument("--records", nargs="+", metavar="FILE",
                    help="measure nothing: the table and verdicts over these records files (rounds run apart)")
parser.add_argument("--smoke", action="store_true", help="local ranks only, SensorNet, 2 steps, one round")
args = parser.parse_args()

if args.smoke:
    args.models, args.rounds, args.steps, args.hosts = "sensornet:4", 1, 2, 2
    args.output = "bench-results/engines/smoke.jsonl"
models = [(item.split(":")[0], int(item.split(":")[1])) for item in args.models.split(",")]
host_counts = list(range(1, args.hosts + 1))
if not args.records:
    os.makedirs(os.path.dirname(args.output), exist_ok=True)
    if os.path.exists(args.output):
        os.remove(args.output)


def train(engine, model, batch, hosts):
    command = [args.dlscale, "train", "--engine", engine, "--np", str(hosts), "--model", model, "--batch", str(batch),
               "--scaling", "weak", "--steps", str(args.steps), "--alone-steps", str(args.alone_steps),
               "--bucket", args.bucket, "--threads", str(args.threads), "--timeout", str(args.timeout),
               "--output", args.output]
    if not args.smoke:
        command[2:2] = ["--cluster", args.cluster]
    run(command, check=False)


def measure():
    for round_ in range(args.rounds):
        order = ENGINES if round_ % 2 == 0 else ENGINES[::-1]
        for model, batch in models:
            for hosts in host_counts:
                for engine in order:
                    log(f"round {round_ + 1}/{args.rounds}: {engine} {model} batch {batch} on {hosts} host(s)")
                    train(engine, model, batch, hosts)


if args.records:
    pass
elif args.smoke:
    measure()
else:
    with emulated_cluster(args.dlscale, args.cluster, args.hosts, args.rate, cpus=args.cpus, burst=args.burst):
        measure()

# (engine, model, ranks) -> the records of the rounds.
found = {}
failures = []
for path in args.records or [args.output]:
    for record in records(path, "train"):
        key = (record.get("engine") or "dlscale", record["model"], record["ranks"])
        found.setdefault(key, []).append(record)
    failures += records(path, "failure")


def median(engine, model, ranks, field):
    values = [field(record) for record in found.get((engine, model, ranks), [])]
    values = [value for value in values if value is not None]
    return statistics.median(values) if values else None


def step(record):
    return record["step_ms"]["mean"]


def overlap_ratio(record):
    alone = [record.get("compute_alone_ms"), record.get("comm_alone_ms")]
    return step(record) / max(alone) if None not in alone else None


top = host_counts[-1]
rounds = f"the records of {len(args.records)} file(s)" if args.records else f"{args.rounds} round(s)"
print(f"# weak scaling, medians over {rounds}; "
      + ("local ranks (smoke)" if args.smoke else f"{args.hosts} emulated hosts at {args.rate}, {args.cpus} cores each"))
print(f"{'engine':<8} {'model':<10} {'batch':>5} " + "".join(f"{f'{p} host/s':>11}" for p in host_counts)
      + f" {f'E({top})':>7} {f'step/max@{top}':>12} {f'compute@{top}':>11} {f'comm@{top}':>9}")
summary = {}
for model, batch in models:
    for engine in ENGINES:
        rates = [median(engine, model, p, lambda r: r["samples_per_s"]) for p in host_counts]
        t1, tp = median(engine, model, 1, step), median(engine, model, top, step)
        efficiency = t1 / tp if t1 and tp else None
        ratio = median(engine, model, top, overlap_ratio)
        compute = median(engine, model, top, lambda r: r.get("compute_alone_ms"))
        comm = median(engine, model, top, lambda r: r.get("comm_alone_ms"))
        summary[(engine, model)] = (efficiency, ratio)
        text = lambda value, width, form: f"{value:{width}{form}}" if value is not None else f"{'-':>{width}}"
        print(f"{engine:<8} {model:<10} {batch:>5} " + "".join(text(rate, 11, ".2f") for rate in rates)
              + " " + (f"{100 * efficiency:6.0f}%" if efficiency else f"{'-':>7}") + " " + text(ratio, 12, ".3f")
              + " " + text(compute, 11, ".1f") + " " + text(comm, 9, ".1f"))
if failures:
    print(f"# {len(failures)} failed runs: " + "; ".join(f.get("reason", "?") for f in failures))

for model, _ in models:
    (ours_efficiency, ours_ratio), (theirs_efficiency, theirs_ratio) = summary[("dlscale", model)], summary[
        ("pytorch", model)]
    if ours_ratio is None or theirs_ratio is None:
        verdict(f"{model} dlscale step/max(alone) at {top} hosts <= DDP's", False, "a run at this count is missing")
    else:
        verdict(f"{model} dlscale step/max(alone) at {top} hosts <= DDP's", ours_ratio <= theirs_ratio,
                f"dlscale {ours_ratio:.3f}, DDP {theirs_ratio:.3f}")
    if ours_efficiency is None or theirs_efficiency is None:
        verdict(f"{model} dlscale weak efficiency at {top} hosts >= DDP's", False, "a run at 1 or this count is missing")
    else:
        verdict(f"{model} dlscale weak efficiency at {top} hosts >= DDP's", ours_efficiency >= theirs_efficiency,
                f"dlscale {100 * ours_efficiency:.0f}%, DDP {100 * theirs_efficiency:.0f}%")
