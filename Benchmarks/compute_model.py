#!/usr/bin/env python3
"""Accuracy of dlscale's per-layer compute model on models it has never seen.

`dlscale kernels --model M --batch B` times every distinct layer of zoo model M (forward and
backward, 1 thread) and writes records naming the model and its layers; this is done for
several models at batch 1, 2 and 4, in three rounds, each round every model and batch in turn
(the fit keeps each kernel's fastest time of the rounds: on a shared machine other work, and
the host's slower spells, only ever add time). `dlscale fit` then fits the kernel regression
(SVR on log time over a power law of work per op, piecewise in bytes for memory-bound ops) with
leave-one-model-out error: each model's
layers are predicted by a regression fitted, and tuned, on the other models' layers only. Printed:
the per-layer MAPE (the target, <= 15%), the error of each held-out model's step compute summed
over its layers, the same for the roofline baseline, and how far the two rounds' own
measurements of the same kernels differ (the noise no model can get below)."""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_common import log, run, verdict  # noqa: E402

MODELS = "sensornet,deepmnist,textcnn,acoustic,alexnet,googlenet,resnet50,vgg16,small-residual"
LAYERS = "conv,fc,relu,maxpool,avgpool,lrn,bn,dropout,concat,sum,softmax"


def measure(dlscale, path, models, batches, rounds, repeat):
    """`dlscale kernels --model` for every model and batch, `rounds` times, into one file."""
    if os.path.exists(path):
        os.remove(path)
    for _ in range(rounds):
        for batch in batches:
            for model in models:
                run([dlscale, "kernels", "--model", model, "--batch", str(batch), "--repeat", str(repeat),
                     "--layers", LAYERS, "--output", path], capture=True)


def reproducibility(path):
    """MAPE between two rounds' fastest times of the same kernels, percent (None with one round)."""
    by_kernel = {}
    for line in open(path):
        record = json.loads(line)
        key = (record.get("model"), record["op"], record["pass"], record["shape"])
        by_kernel.setdefault(key, []).append(record["time_us"]["min"])
    pairs = [times[:2] for times in by_kernel.values() if len(times) >= 2]
    if not pairs:
        return None
    return 100 * sum(abs(second - first) / first for first, second in pairs) / len(pairs)


def check(dlscale, results, models=MODELS, batches=(1, 2, 4), rounds=3, repeat=5, reuse=False):
    """Measures (unless `reuse` and records exist), fits and prints; returns whether the
    per-layer target is met."""
    os.makedirs(results, exist_ok=True)
    path = os.path.join(results, "kernels.jsonl")
    reused = reuse and os.path.exists(path)
    if not reused:
        measure(dlscale, path, models.split(","), batches, rounds, repeat)
    output = os.path.join(results, "models-kernels.json")
    print(run([dlscale, "fit", path, "-o", output], capture=True), file=sys.stderr)
    with open(output) as file:
        kernels = json.load(file)["compute"].get("kernels")
    noise = reproducibility(path)
    print(f"# per-layer compute model: `dlscale kernels --model` on this machine (1 thread), {models} at batch "
          f"{','.join(map(str, batches))}, {'the records of an earlier run' if reused else f'{rounds} round(s)'}; "
          f"leave one model out")
    if kernels is None:
        return verdict("compute model on a held-out model's layers, MAPE <= 15%", False, "not fitted")
    log(f"kernel samples {kernels['samples']}")
    print(f"{'held-out model':<15} {'batch':>5} {'kernels':>7} {'layer SVR':>10} {'layer roof':>10} "
          f"{'step ms':>9} {'step SVR':>9} {'step roof':>9}")
    for row in kernels["held_out"]:
        measured = row["measured_ms"]
        print(f"{row['model']:<15} {row['batch']:>5} {row['kernels']:>7} {row['regression_mape']:9.1f}% "
              f"{row['roofline_mape']:9.1f}% {measured:9.2f} {100 * (row['predicted_ms'] / measured - 1):+8.1f}% "
              f"{100 * (row['roofline_ms'] / measured - 1):+8.1f}%")
    print(f"{'held-out op':<15} {'pass':>9} {'kernels':>7} {'layer SVR':>10} {'layer roof':>10}")
    for row in kernels.get("held_out_operations") or []:
        print(f"{row['op']:<15} {row['pass']:>9} {row['kernels']:>7} {row['regression_mape']:9.1f}% "
              f"{row['roofline_mape']:9.1f}%")
    print(f"# {kernels['samples']} kernels; SVR C {kernels['cost']:g}, gamma {kernels['regression']['gamma']:g}, "
          f"epsilon {kernels['epsilon']:g} (chosen by cross-validation inside each training fold)")
    print(f"# per layer: SVR MAPE {kernels['regression_mape']:.1f}%, roofline MAPE {kernels['roofline_mape']:.1f}%")
    print(f"# summed step compute per (model, batch): SVR MAPE {kernels['step_mape']:.1f}%, "
          f"roofline MAPE {kernels['roofline_step_mape']:.1f}%")
    if noise is not None:
        print(f"# measurement noise: the two rounds' fastest times of the same kernels differ by {noise:.1f}% (MAPE)")
    return verdict("compute model on a held-out model's layers, MAPE <= 15%", kernels["regression_mape"] <= 15,
                   f"per layer {kernels['regression_mape']:.1f}% (roofline {kernels['roofline_mape']:.1f}%), "
                   f"summed step {kernels['step_mape']:.1f}% (roofline {kernels['roofline_step_mape']:.1f}%)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dlscale", default=".build/release/dlscale")
    parser.add_argument("--results", default="bench-results/compute-model")
    parser.add_argument("--models", default=MODELS)
    parser.add_argument("--batches", default="1,2,4")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="refit the records of the last run instead of measuring")
    arguments = parser.parse_args()
    met = check(arguments.dlscale, arguments.results, arguments.models,
                [int(b) for b in arguments.batches.split(",")], arguments.rounds, arguments.repeat, arguments.reuse)
    sys.exit(0 if met else 1)
