#!/usr/bin/env python3
"""Accuracy of dlscale's fitted models on an emulated cluster (4 hosts, one rank each,
200 Mbit/s links), measured and fitted in one run:

1. link bandwidth: `dlscale fit` on p2p and ring allreduce records at 2-4 hosts; the links'
   bandwidth and ring's 1/beta within 10% of the tbf rate (25e6 B/s of wire bytes; TCP/IP and
   Ethernet headers leave 8948/9014 of it at the 9000-byte MTU, 24.8e6 B/s, as payload: both printed);
2. allreduce at a held-out rank count: ring fitted on 2 and 3 hosts, its alpha, beta, gamma
   predicting 4 hosts over 64 KiB - 64 MiB, MAPE <= 10%;
3. training step at 4 hosts: fitted on the train records at 1-3 hosts (the scaling sweep of
   plans/bench-scaling-emulated.yaml, shared with bench-overlap) and the allreduce records at
   2-3 hosts, `dlscale predict --nodes 4 --format json` against the measured 4-host step,
   MAPE <= 10% over three models (weak scaling; strong printed beside); the same fit predicting
   bench-overlap's `--overlap forward` records (`dlscale predict --overlap forward`), reported;
4. compute model: `dlscale kernels --model` records of eight zoo models and small-residual on
   this machine, the kernel regression's MAPE on each held-out model's layers <= 15%
   (compute_model.py, also `make bench-compute-model` on its own)."""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_common import (TRAINING_BURST, comm_cpu, emulated_cluster, mape, overlap_mode, records, run,  # noqa: E402
                          size_text, verdict)
import compute_model  # noqa: E402

WIRE = 25e6
PAYLOAD = WIRE * 8948 / 9014  # TCP payload per Ethernet frame of the cluster's 9000-byte MTU, with timestamps

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--dlscale", default=".build/release/dlscale")
parser.add_argument("--plan", default="plans/bench-scaling-emulated.yaml")
parser.add_argument("--cluster", default="benchsc", help="the plan's cluster")
parser.add_argument("--train", default="bench-results/scaling/train.jsonl", help="the sweep's records")
parser.add_argument("--train-forward", default="bench-results/scaling/train-forward.jsonl",
                    help="bench-overlap's --overlap forward records (read only)")
parser.add_argument("--results", default="bench-results/accuracy")
parser.add_argument("--sizes", default="64KiB:64MiB")
parser.add_argument("--seconds-per-size", type=float, default=2)
parser.add_argument("--fresh", action="store_true", help="measure the training sweep again (default: resume)")
parser.add_argument("--cpus", type=float, default=0.4, help="cores per emulated host (as bench-overlap)")
parser.add_argument("--burst", type=int, default=TRAINING_BURST,
                    help="the training cluster's tbf burst in bytes, as bench-overlap (0: the cluster's default)")
parser.add_argument("--reuse", action="store_true",
                    help="measure nothing: fit and check the records of the last run again (no root)")
args = parser.parse_args()

os.makedirs(args.results, exist_ok=True)
os.makedirs(os.path.dirname(args.train), exist_ok=True)
allreduce_path = os.path.join(args.results, "allreduce.jsonl")
p2p_path = os.path.join(args.results, "p2p.jsonl")
if not args.reuse:
    for path in (allreduce_path, p2p_path) + ((args.train,) if args.fresh else ()):
        if os.path.exists(path):
            os.remove(path)

    # The network benchmarks wait in MPI's own (spinning) calls, which a CPU cap would throttle:
    # they run on the uncapped cluster with the default burst (their link fit is checked against
    # its rate); training (whose communication thread sleeps between tests) on the capped one, with
    # the burst that lets GSO packets through whole, as bench-overlap.
    with emulated_cluster(args.dlscale, args.cluster, 4, "200mbit") as cluster:
        for ranks in (2, 3, 4):
            run([args.dlscale, "allreduce", "--np", str(ranks), "--cluster", cluster, "--sizes", args.sizes,
                 "--algorithms", "ring", "--seconds-per-size", str(args.seconds_per_size), "--timeout", "3600",
                 "--output", allreduce_path])
        run([args.dlscale, "p2p", "--np", "4", "--cluster", cluster, "--sizes", "8,64KiB,1MiB,4MiB",
             "--output", p2p_path])
    with emulated_cluster(args.dlscale, args.cluster, 4, "200mbit", cpus=args.cpus,
                          burst=args.burst or None) as cluster:
        run([args.dlscale, "sweep", args.plan, "--output", args.train, "--resume"])


def filtered(path, name, keep):
    """A copy of the records of `path` for which keep(record) holds."""
    target = os.path.join(args.results, name)
    with open(target, "w") as file:
        for record in records(path):
            if keep(record):
                file.write(json.dumps(record) + "\n")
    return target


def fit(name, *paths):
    output = os.path.join(args.results, name)
    print(run([args.dlscale, "fit", *paths, "-o", output], capture=True), file=sys.stderr)
    with open(output) as file:
        return json.load(file)


def ring_model(models):
    return next(m for m in models["communication"] if m["algorithm"] == "ring")


def ring_seconds(model, ranks, size):
    """StructuralCollectiveModel.seconds for ring: the piece of the step's message size (n/p)
    when the fit has pieces, else the single alpha and beta."""
    p, n = ranks, size
    alpha, beta = model["alpha_s"], model["beta_s_per_byte"]
    for piece in model.get("pieces") or []:
        if piece.get("maximum_message_bytes") is None or n / p <= piece["maximum_message_bytes"]:
            alpha, beta = piece["alpha_s"], piece["beta_s_per_byte"]
            break
    return (2 * (p - 1) * alpha + 2 * (p - 1) / p * n * beta
            + (p - 1) / p * n * model["gamma_s_per_byte"])


all_met = True
# 1. Link bandwidth.
everything = fit("models-all.json", allreduce_path, p2p_path)
links = everything["links"]["bandwidth_bytes_per_s"]
ring = ring_model(everything)
ring_rate = 1 / ring["beta_s_per_byte"]
print("# 1. fitted link bandwidth (p2p matrix and ring allreduce at 2-4 hosts, 200 Mbit/s tbf)")
print(f"{'model':<28} {'B/s':>12} {'vs wire 25.0e6':>15} {'vs payload 24.8e6':>18}")
for label, value in (("links.bandwidth_bytes_per_s", links), ("ring 1/beta", ring_rate)):
    print(f"{label:<28} {value:12.4g} {100 * (value / WIRE - 1):+14.1f}% {100 * (value / PAYLOAD - 1):+17.1f}%")
print(f"# ring alpha {ring['alpha_s'] * 1e6:.1f} us, gamma {ring['gamma_s_per_byte'] * 1e12:.1f} ps/B")
for label, value in (("links", links), ("ring 1/beta", ring_rate)):
    all_met &= verdict(f"{label} bandwidth within 10% of the tbf rate", abs(value / WIRE - 1) <= 0.10,
                       f"{value / 1e6:.2f} MB/s: {100 * (value / WIRE - 1):+.1f}% of wire 25 MB/s, "
                       f"{100 * (value / PAYLOAD - 1):+.1f}% of payload 24.8 MB/s")

# 2. Allreduce at the held-out rank count.
held_in = filtered(allreduce_path, "allreduce-2-3.jsonl", lambda r: r.get("ranks") in (2, 3))
ring23 = ring_model(fit("models-2-3.json", held_in, p2p_path))
measured = {r["bytes"]: r["time_us"]["mean"] * 1e-6 for r in records(allreduce_path, "allreduce") if r["ranks"] == 4}
print("\n# 2. ring allreduce at 4 hosts predicted from the fit at 2 and 3 hosts "
      f"(alpha {ring23['alpha_s'] * 1e6:.1f} us, 1/beta {1 / ring23['beta_s_per_byte'] / 1e6:.2f} MB/s, "
      f"gamma {ring23['gamma_s_per_byte'] * 1e12:.1f} ps/B)")
for piece in ring23.get("pieces") or []:
    limit = piece.get("maximum_message_bytes")
    print(f"#   messages {'<= ' + size_text(limit) if limit else 'larger'}: alpha {piece['alpha_s'] * 1e6:.1f} us, "
          f"1/beta {1 / piece['beta_s_per_byte'] / 1e6 if piece['beta_s_per_byte'] > 0 else float('inf'):.2f} MB/s")
print(f"{'size':>8} {'measured ms':>12} {'predicted ms':>13} {'error':>7}")
pairs = []
for size in sorted(measured):
    predicted = ring_seconds(ring23, 4, size)
    pairs.append((predicted, measured[size]))
    print(f"{size_text(size):>8} {measured[size] * 1e3:12.2f} {predicted * 1e3:13.2f} "
          f"{100 * (predicted / measured[size] - 1):+6.1f}%")
all_met &= verdict("allreduce at 4 hosts from 2-3 hosts, MAPE <= 10%", mape(pairs) <= 10,
                   f"MAPE {mape(pairs):.1f}% over {len(pairs)} sizes")

# 3. Training step at 4 hosts from 1-3 hosts.
train_held_in = filtered(args.train, "train-1-3.jsonl", lambda r: r.get("kind") == "train" and r["ranks"] <= 3)
models_path = os.path.join(args.results, "models-train-1-3.json")
fit("models-train-1-3.json", train_held_in, held_in, p2p_path)
print("\n# 3. training step at 4 hosts predicted from 1-3 hosts (ring, the records' buckets, overlap on)")
print("# (compute model from the 1-host runs, each host capped at the same cores; the slowdown of compute by")
print("#  hidden communication fitted on the 2-3-host runs)")
print(f"{'model':<10} {'scaling':<7} {'batch':>5} {'measured ms':>12} {'predicted ms':>13} {'compute':>8} "
      f"{'exposed':>8} {'error':>7}")


def predict_step(record, overlap):
    """`dlscale predict` of a 4-host train record's step from the 1-3-host fit: (predicted, observed)."""
    scaling = record["scaling"]
    batch = record["batch_per_rank"] if scaling == "weak" else record["global_batch"]
    output = run([args.dlscale, "predict", "--models", models_path, "--model", record["model"], "--samples", "1e6",
                  "--epochs", "1", "--nodes", "4", "--batch", str(batch), "--scaling", scaling, "--algorithm",
                  "ring", "--bucket", str(record["bucket_bytes"]), "--overlap", overlap, "--format", "json"],
                 capture=True)
    row = json.loads(output)[0]
    observed = record["step_ms"]["mean"]
    print(f"{record['model']:<10} {scaling:<7} {batch:>5} {observed:12.1f} {row['step_ms']:13.1f} "
          f"{row['compute_ms']:8.1f} {row['exposed_comm_ms']:8.1f} {100 * (row['step_ms'] / observed - 1):+6.1f}%")
    return row["step_ms"], observed


errors = {"weak": [], "strong": []}
for record in records(args.train, "train"):
    if record["ranks"] == 4:
        errors[record["scaling"]].append(predict_step(record, "on"))
if errors["strong"]:
    print(f"# strong scaling: MAPE {mape(errors['strong']):.1f}% over {len(errors['strong'])} runs")
if errors["weak"]:
    all_met &= verdict("step time at 4 hosts from 1-3 hosts (weak), MAPE <= 10%", mape(errors["weak"]) <= 10,
                       f"MAPE {mape(errors['weak']):.1f}% over {len(errors['weak'])} runs")
else:
    all_met &= verdict("step time at 4 hosts from 1-3 hosts (weak), MAPE <= 10%", False, "no 4-host records")

# The forward-overlap schedule is priced by the same fits; its records come from bench-overlap.
# The fits know only hosts whose communication shares the rank's CPU, so runs on a reservation
# (`comm-cpu: reserved`) are left out.
forward = [r for r in records(args.train_forward, "train")
           if r["ranks"] == 4 and overlap_mode(r) == "forward" and comm_cpu(r) == "shared"]
if forward:
    print("\n# 3b. the same fit predicting the 4-host --overlap forward steps of bench-overlap (reported, no target)")
    print(f"{'model':<10} {'scaling':<7} {'batch':>5} {'measured ms':>12} {'predicted ms':>13} {'compute':>8} "
          f"{'exposed':>8} {'error':>7}")
    pairs = [predict_step(record, "forward") for record in forward]
    print(f"# --overlap forward: MAPE {mape(pairs):.1f}% over {len(pairs)} runs")
else:
    print(f"\n# 3b. no --overlap forward records in {args.train_forward} (make bench-overlap writes them)")

# 4. Compute model on held-out models' layers.
print()
all_met &= compute_model.check(args.dlscale, os.path.join(args.results, "compute-model"), reuse=args.reuse)
print(f"# bench-accuracy: {'all targets met' if all_met else 'some targets NOT met'}")
