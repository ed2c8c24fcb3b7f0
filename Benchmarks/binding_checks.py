#!/usr/bin/env python3
"""What binding every rank to cores of its own changes, on emulated hosts, through `dlscale train`:

1. Overlap at defaults: ResNet-50, batch 4, 2 hosts at 500 Mbit/s, one rank each, with
   `--alone-steps`; the overlap modes (the default, and each of off, on and forward) alternated
   round by round, and beside them the binding as it was (mpirun binding each host's rank to its
   first core: `--mpirun-arg --bind-to --mpirun-arg core`). Target: at defaults, step <= 1.10 x
   max(compute alone, communication alone), median over the rounds. The lowest median among the
   modes is the schedule to make the default.
2. An emulated host computes as fast alone as beside others: TextCNN and DeepMNIST at batch 4 and
   16 on 4 hosts capped at --cpus 0.45, forward + backward (mean of 20 steps) at 1 host and at 4
   hosts alternated over 5 rounds, `--overlap off` so that the communication thread does not share
   the host's quota with forward and backward; target: medians within 10%.
Each run's ranks and cores are printed from its record (rank_cores)."""
import argparse
import os
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_common import emulated_cluster, records, run, verdict  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--dlscale", default=".build/release/dlscale")
parser.add_argument("--rounds", type=int, default=3)
parser.add_argument("--modes", default="default,off,on,forward",
                    help="overlap modes to alternate, each optionally with a bucket size: forward:4MiB")
parser.add_argument("--skip-overlap", action="store_true")
parser.add_argument("--skip-contention", action="store_true")
parser.add_argument("--contention-steps", type=int, default=20,
                    help="timed steps of the small models (their steps are a few CFS periods of 10 ms each)")
parser.add_argument("--contention-rounds", type=int, default=5)
parser.add_argument("--contention-batches", default="4,16",
                    help="batches of the contention runs: at batch 4 TextCNN's forward + backward takes about "
                         "3 ms of CPU, less than the 4.5 ms of quota a 0.45-core cap gives per 10 ms period, so "
                         "the whole quota a host has after waiting on the network counts")
parser.add_argument("--contention-cpus", type=float, default=0.45, help="cores per host of the contention runs")
parser.add_argument("--contention-overlap", default="off",
                    help="overlap mode of the contention runs: under `forward` or `on` the communication "
                         "thread shares the host's quota with forward and backward, a cost of communicating "
                         "rather than of other hosts")
args = parser.parse_args()
folder = tempfile.mkdtemp(prefix="dlscale-binding-")


def train(cluster, np, model, batch, steps, extra, output):
    run([args.dlscale, "train", "--cluster", cluster, "--np", str(np), "--model", model, "--batch", str(batch),
         "--steps", str(steps), "--output", output] + extra)
    return records(output, "train")[-1]


def ratio(record):
    return record["step_ms"]["mean"] / max(record["compute_alone_ms"], record["comm_alone_ms"])


if not args.skip_overlap:
    modes = args.modes.split(",") + ["default, mpirun's binding"]
    ratios = {mode: [] for mode in modes}
    with emulated_cluster(args.dlscale, "bindov", 2, "500mbit"):
        for round_ in range(args.rounds):
            # Rotate the order each round so that a drift of the machine hits every mode alike.
            order = modes[round_ % len(modes):] + modes[:round_ % len(modes)]
            for mode in order:
                extra = ["--alone-steps", "3"]
                overlap, _, bucket = mode.partition(":")
                if not overlap.startswith("default"):
                    extra += ["--overlap", overlap]
                if bucket:
                    extra += ["--bucket", bucket]
                if "mpirun" in mode:
                    extra += ["--mpirun-arg", "--bind-to", "--mpirun-arg", "core"]
                record = train("bindov", 2, "resnet50", 4, 3, extra, os.path.join(folder, "overlap.jsonl"))
                ratios[mode].append(ratio(record))
                print(f"round {round_ + 1} {mode:26} step {record['step_ms']['mean']:7.1f} ms, compute alone "
                      f"{record['compute_alone_ms']:7.1f}, communication alone {record['comm_alone_ms']:7.1f}, "
                      f"ratio {ratios[mode][-1]:.3f}, cores {record.get('rank_cores')}", flush=True)
    print("\nResNet-50 batch 4, 2 hosts at 500 Mbit/s: step / max(compute alone, communication alone)")
    for mode in modes:
        print(f"  {mode:26} {', '.join(f'{r:.3f}' for r in ratios[mode])}  median {statistics.median(ratios[mode]):.3f}")
    default = statistics.median(ratios["default"]) if "default" in ratios else None
    if default is not None:
        verdict("overlap at defaults <= 1.10", default <= 1.10, f"median {default:.3f}")
    named = [mode for mode in modes if mode.partition(":")[0] in ("off", "on", "forward")]
    if named:
        best = min(named, key=lambda mode: statistics.median(ratios[mode]))
        print(f"lowest median: --overlap {best} ({statistics.median(ratios[best]):.3f})")

if not args.skip_contention:
    print(f"\nForward + backward under --cpus {args.contention_cpus}, 1 host against 4 hosts ({args.contention_steps} steps, "
          f"--overlap {args.contention_overlap})")
    with emulated_cluster(args.dlscale, "bindcpu", 4, "1gbit", cpus=args.contention_cpus):
        for batch in (int(b) for b in args.contention_batches.split(",")):
            for model in ("textcnn", "deepmnist"):
                times = {1: [], 4: []}
                for round_ in range(args.contention_rounds):
                    for np in ((1, 4) if round_ % 2 == 0 else (4, 1)):
                        record = train("bindcpu", np, model, batch, args.contention_steps,
                                       ["--overlap", args.contention_overlap],
                                       os.path.join(folder, f"{model}.jsonl"))
                        times[np].append(record["forward_ms"] + record["backward_ms"])
                        print(f"  {model} batch {batch} round {round_ + 1} {np} host(s): forward + backward "
                              f"{times[np][-1]:.2f} ms, cores {record.get('rank_cores')}", flush=True)
                one, four = statistics.median(times[1]), statistics.median(times[4])
                verdict(f"{model} batch {batch} compute at 4 hosts within 10% of 1 host", abs(four / one - 1) <= 0.10,
                        f"1 host {one:.2f} ms, 4 hosts {four:.2f} ms, ratio {four / one:.3f}")
