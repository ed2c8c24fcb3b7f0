#!/usr/bin/env python3
"""Overlap of gradient allreduce with compute, and weak/strong scaling efficiency, on an
emulated cluster (4 hosts, one rank each, 200 Mbit/s links), from two sweeps:
plans/bench-scaling-emulated.yaml (three models at 1, 2, 3 and 4 hosts, weak and strong,
`--overlap on`: allreduces beside backward) and plans/bench-overlap-forward.yaml (ResNet-50 at 4
hosts with `--overlap forward`: also beside the next step's forward, by priority; and with
`--overlap on` at twice the target batch, where compute is about twice the communication), on a second
cluster whose hosts also reserve CPU for communication (`--comm-cpus`): its runs alternate a
communication thread on the rank's own CPU (`comm-cpu: shared`, as on the first cluster) with one
on the reservation (`comm-cpu: reserved`).

Target: ResNet-50's step time at 4 hosts <= 1.15 x max(compute alone, communication alone), both
measured in the same run (`--alone-steps`); a verdict for each overlap mode and communication CPU.
The forward plan runs each point three times, round by round (`repeat: 3`); its verdicts take the
median of the runs' ratios, and every run is printed.
Efficiencies (of the first sweep) from step_ms.mean: weak E(P) = t(1)/t(P), strong
E(P) = t(1)/(P t(P))."""
import argparse
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_common import (TRAINING_BURST, comm_cpu, emulated_cluster, overlap_mode, records, run,  # noqa: E402
                          size_text, verdict)

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--dlscale", default=".build/release/dlscale")
parser.add_argument("--plan", default="plans/bench-scaling-emulated.yaml")
parser.add_argument("--cluster", default="benchsc", help="the plan's cluster")
parser.add_argument("--output", default="bench-results/scaling/train.jsonl", help="the sweep's records")
parser.add_argument("--forward-plan", default="plans/bench-overlap-forward.yaml")
parser.add_argument("--forward-output", default="bench-results/scaling/train-forward.jsonl",
                    help="the --overlap forward sweep's records")
parser.add_argument("--forward-cluster", default="benchrc", help="the forward plan's cluster (with --comm-cpus)")
parser.add_argument("--comm-cpus", type=float, default=0.1,
                    help="cores per host of the forward plan's cluster reserved for communication threads")
parser.add_argument("--fresh", action="store_true", help="measure every point again (default: resume)")
parser.add_argument("--model", default="resnet50", help="the model of the overlap target")
parser.add_argument("--batch", type=int, default=12, help="the per-rank batch of the overlap target")
parser.add_argument("--cpus", type=float, default=0.4,
                    help="cores per emulated host (4 hosts share this machine's 2 cores with the network's work)")
parser.add_argument("--burst", type=int, default=TRAINING_BURST,
                    help="every link's tbf burst in bytes (see bench_common.TRAINING_BURST; 0: the cluster's default)")
args = parser.parse_args()

os.makedirs(os.path.dirname(args.output), exist_ok=True)
for path in (args.output, args.forward_output):
    if args.fresh and os.path.exists(path):
        os.remove(path)
with emulated_cluster(args.dlscale, args.cluster, 4, "200mbit", cpus=args.cpus, burst=args.burst or None):
    run([args.dlscale, "sweep", args.plan, "--output", args.output, "--resume"])
with emulated_cluster(args.dlscale, args.forward_cluster, 4, "200mbit", cpus=args.cpus, burst=args.burst or None,
                      comm_cpus=args.comm_cpus):
    run([args.dlscale, "sweep", args.forward_plan, "--output", args.forward_output, "--resume"])


def every(path):
    """(model, scaling, batch, ranks) -> the train records of a results file, oldest first."""
    points = {}
    for record in records(path, "train"):
        batch = record["batch_per_rank"] if record["scaling"] == "weak" else record["global_batch"]
        points.setdefault((record["model"], record["scaling"], batch, record["ranks"]), []).append(record)
    return points


def latest(path):
    """(model, scaling, batch, ranks) -> the latest train record of a results file."""
    return {key: found[-1] for key, found in every(path).items()}


def ratio(record):
    """Step time over the larger of compute alone and communication alone (1: perfect overlap)."""
    return record["step_ms"]["mean"] / max(record["compute_alone_ms"], record["comm_alone_ms"])


points = latest(args.output)
forward_points = every(args.forward_output)
failures = records(args.output, "failure") + records(args.forward_output, "failure")

print("# gradient allreduce overlapped with compute (ring), weak scaling, 1 rank per emulated host; overlap on:")
print("# beside backward; forward: also beside the next step's forward, first layers first")
print(f"# (each host capped at {args.cpus} cores, tbf burst {args.burst or 'default'}; packet processing is charged "
      f"to whichever rank it interrupts; comm cpu reserved: the communication thread on {args.comm_cpus} cores")
print("#  more per host, reserved for it)")
print(f"{'model':<10} {'hosts':>5} {'batch':>5} {'overlap':>7} {'comm cpu':>8} {'bucket':>6} {'step ms':>9} "
      f"{'compute alone':>14} {'comm alone':>11} {'exposed ms':>10} {'comm cpu ms':>11} {'step/max':>9}")
rows = [("scaling", record) for record in points.values()]
rows += [("forward plan", record) for found in forward_points.values() for record in found]
for _, record in sorted(rows, key=lambda row: (row[0] != "scaling", row[1]["model"], row[1]["ranks"],
                                               row[1]["batch_per_rank"], row[1]["timestamp"])):
    mode = overlap_mode(record)
    if record["scaling"] != "weak" or record.get("compute_alone_ms") is None:
        continue
    print(f"{record['model']:<10} {record['ranks']:>5} {record['batch_per_rank']:>5} {mode:>7} {comm_cpu(record):>8} "
          f"{size_text(record['bucket_bytes']):>6} {record['step_ms']['mean']:9.1f} "
          f"{record['compute_alone_ms']:14.1f} {record['comm_alone_ms']:11.1f} {record['exposed_comm_ms']:10.1f} "
          f"{record.get('comm_cpu_ms') or 0:11.1f} {ratio(record):9.3f}")

print("\n# scaling efficiency from step_ms.mean: weak E(P) = t(1)/t(P), strong E(P) = t(1)/(P t(P))")
print(f"{'model':<10} {'scaling':<7} {'batch':>6} " + "".join(f"{f't({p}) ms':>11}" for p in range(1, 5))
      + "".join(f"{f'E({p})':>7}" for p in range(2, 5)))
for model, scaling, batch in sorted({key[:3] for key in points}):
    row = {p: points.get((model, scaling, batch, p)) for p in range(1, 5)}
    if row[1] is None:
        continue
    t1 = row[1]["step_ms"]["mean"]
    times = "".join(f"{row[p]['step_ms']['mean']:11.1f}" if row[p] else f"{'-':>11}" for p in range(1, 5))
    efficiencies = ""
    for p in range(2, 5):
        if row[p] is None:
            efficiencies += f"{'-':>7}"
            continue
        tp = row[p]["step_ms"]["mean"]
        efficiencies += f"{100 * (t1 / tp if scaling == 'weak' else t1 / (p * tp)):6.0f}%"
    print(f"{model:<10} {scaling:<7} {batch:>6} {times}{efficiencies}")
if failures:
    print(f"# {len(failures)} failed points: " + "; ".join(f.get("reason", "?") for f in failures))

# The scaling sweep's overlap-on run at the target batch, then each of the forward plan's setups:
# forward at the target batch, and overlap on at twice it (compute about twice the communication).
targets = [("on", "shared", args.batch, {key: [record] for key, record in points.items()})]
targets += [(mode, cpu, batch, forward_points)
            for mode, batch in (("forward", args.batch), ("on", 2 * args.batch)) for cpu in ("shared", "reserved")]
for mode, cpu, batch, table in targets:
    found = [r for r in table.get((args.model, "weak", batch, 4), [])
             if r.get("compute_alone_ms") is not None and comm_cpu(r) == cpu and overlap_mode(r) == mode]
    label = (f"{args.model} batch {batch} step <= 1.15 x max(compute, comm) at 4 hosts, overlap {mode}, "
             f"comm cpu {cpu}")
    if not found:
        verdict(label, False, "no 4-host weak record with alone times")
        continue
    if len(found) == 1:
        target = found[0]
        verdict(label, ratio(target) <= 1.15,
                f"step {target['step_ms']['mean']:.0f} ms, compute alone {target['compute_alone_ms']:.0f} ms, "
                f"comm alone {target['comm_alone_ms']:.0f} ms, ratio {ratio(target):.3f}")
        continue
    ratios = [ratio(record) for record in found]
    verdict(label, statistics.median(ratios) <= 1.15,
            f"median ratio {statistics.median(ratios):.3f} over {len(ratios)} runs "
            f"({', '.join(f'{value:.3f}' for value in ratios)})")
