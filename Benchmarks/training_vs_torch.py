#!/usr/bin/env python3
"""Training through `dlscale train --np 1`, the command users run, against PyTorch's CPU training
step of the same model, threads and batch, alternated round by round.

For each model: samples/s (dlscale's record: the batch over the mean of its timed steps; PyTorch:
the same over the same number of steps after one warm-up) and peak memory (the largest resident
set of the launched process tree, from wait4: dlscale, mpirun and the agent; Python with torch).
With --layers, also where the time goes: `dlscale kernels --network M --layer-times` against
PyTorch's profiler, summed by layer kind (convolution, fully connected, pooling, ...).

The models are the zoo's (Sources/Kernels/Zoo), rebuilt in PyTorch (engines/pytorch/dlscale_zoo.py) with Caffe's layouts (ceil-mode
pooling, ResNet v1 with the stride on the first 1×1); each one's parameter count is checked against
the zoo's before it is timed.

Usage (after `swift build -c release`):
    /usr/bin/python3 Benchmarks/training_vs_torch.py [--dlscale .build/release/dlscale]
        [--threads 2] [--rounds 3] [--steps 5] [--models resnet50:8,vgg16:4,googlenet:8] [--layers]
PyTorch comes from Debian: `apt-get install python3-torch` (use the system python3).
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

from kernels_vs_torch import choose_openblas_kernels

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "engines", "pytorch"))

choose_openblas_kernels()

import torch  # noqa: E402  (after the BLAS kernel choice)
import torch.nn.functional as F  # noqa: E402
import dlscale_zoo  # noqa: E402  (engines/pytorch)

# The zoo's trainable parameter counts (`dlscale models`). ResNet-50's reference count, 25,610,269,
# also holds Caffe's batch-norm statistics (2 x 26,560 running means and variances and 53 moving
# average factors), which are not trained.
PARAMETERS = {"resnet50": 25_557_096, "vgg16": 138_357_544, "googlenet": 6_998_552}


# The zoo's models in PyTorch, as `dlscale train --engine pytorch` builds them.
BUILDERS = {name: (lambda name=name: dlscale_zoo.build(name)[0]) for name in ("resnet50", "vgg16", "googlenet")}


def torch_child(arguments):
    """Runs in a child process: trains one model and prints samples/s (and the profile with --layers)."""
    torch.set_num_threads(arguments.threads)
    model = BUILDERS[arguments.torch_child]()
    count = sum(parameter.numel() for parameter in model.parameters())
    expected = PARAMETERS[arguments.torch_child]
    if count != expected:
        sys.exit(f"PyTorch {arguments.torch_child} has {count} parameters, the zoo's {expected}")
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    batch = arguments.batch
    x = torch.randn(batch, 3, 224, 224)
    labels = torch.randint(0, 1000, (batch,))

    def step():
        optimizer.zero_grad(set_to_none=False)
        F.cross_entropy(model(x), labels).backward()
        optimizer.step()

    step()  # one warm-up step, as `dlscale train` takes
    if arguments.layers:
        step()  # and one more before the profile, as `dlscale kernels` takes two
        with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as profile:
            step()
        kinds = {}
        for event in profile.key_averages():
            kind = torch_kind(event.key)
            kinds[kind] = kinds.get(kind, 0.0) + event.self_cpu_time_total / 1e3
        print("PROFILE " + json.dumps(kinds))
        return
    seconds = []
    for _ in range(arguments.steps):
        start = time.perf_counter()
        step()
        seconds.append(time.perf_counter() - start)
    print(f"{arguments.torch_child} batch {batch}: {batch / statistics.mean(seconds):.3f} samples/s")


def torch_kind(name):
    name = name.lower()
    for needle, kind in (("avg_pool3d", "lrn"), ("avgpool3d", "lrn"), ("pow", "lrn"), ("div", "lrn"),
                         ("conv", "convolution"), ("addmm", "fully connected"), ("linear", "fully connected"),
                         ("mm", "fully connected"), ("pool", "pooling"), ("relu", "relu"),
                         ("threshold", "relu"), ("batch_norm", "batch norm"), ("cat", "concat"),
                         ("dropout", "dropout"), ("bernoulli", "dropout"), ("sgd", "update"),
                         ("add_", "update"), ("mul_", "update"), ("entropy", "loss"), ("softmax", "loss"),
                         ("nll", "loss")):
        if needle in name:
            return kind
    return "other"


def dlscale_kind(layer):
    if "norm" in layer:
        return "lrn" if "bn" not in layer else "batch norm"
    for needle, kind in (("relu", "relu"), ("drop", "dropout"), ("pool", "pooling"), ("output", "concat"),
                         ("fc", "fully connected"), ("classifier", "fully connected"), ("bn", "batch norm"),
                         ("scale", "batch norm")):
        if needle in layer:
            return kind
    return "convolution"


def run_child(command):
    """Runs a child process to completion; returns its stdout and the peak RSS of its tree in MiB."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=ENVIRONMENT)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(command)} failed with status {os.waitstatus_to_exitcode(status)}")
    return output, usage.ru_maxrss / 1024


ENVIRONMENT = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")


def compare(arguments, model, batch, folder):
    results = os.path.join(folder, f"{model}.jsonl")
    ours_command = [arguments.dlscale, "train", "--np", "1", "--model", model, "--batch", str(batch),
                    "--threads", str(arguments.threads), "--steps", str(arguments.steps), "--output", results]
    theirs_command = [sys.executable, os.path.abspath(__file__), "--torch-child", model, "--batch", str(batch),
                      "--threads", str(arguments.threads), "--steps", str(arguments.steps)]
    rates = {"dlscale": [], "PyTorch": []}
    peaks = {"dlscale": [], "PyTorch": []}
    for round_ in range(arguments.rounds):
        order = (("dlscale", ours_command), ("PyTorch", theirs_command))
        for side, command in (order if round_ % 2 == 0 else order[::-1]):
            output, peak = run_child(command)
            if side == "dlscale":
                with open(results) as file:
                    rate = json.loads(file.readlines()[-1])["samples_per_s"]
            else:
                rate = float(re.search(r"([\d.]+) samples/s", output).group(1))
            rates[side].append(rate)
            peaks[side].append(peak)
            print(f"  {model} round {round_ + 1} {side:8}: {rate:6.3f} samples/s, peak RSS {peak:7.0f} MiB", flush=True)
    ours, theirs = statistics.median(rates["dlscale"]), statistics.median(rates["PyTorch"])
    ours_peak, theirs_peak = statistics.median(peaks["dlscale"]), statistics.median(peaks["PyTorch"])
    print(f"{model} batch {batch}, {arguments.threads} threads, median of {arguments.rounds} rounds: "
          f"samples/s dlscale {ours:.3f}, PyTorch {theirs:.3f}, ratio {ours / theirs:.3f}; "
          f"peak RSS dlscale {ours_peak:.0f} MiB, PyTorch {theirs_peak:.0f} MiB, ratio {ours_peak / theirs_peak:.3f}")
    return ours / theirs, ours_peak / theirs_peak


def compare_layers(arguments, model, batch):
    """Forward + backward time by layer kind of one step: dlscale's own layer timers against PyTorch's
    profiler (self time of its operators, which adds the profiler's own cost to PyTorch's side)."""
    output = subprocess.run(
        [arguments.dlscale, "kernels", "--network", model, "--batch", str(batch), "--threads", str(arguments.threads),
         "--repeat", "1", "--layer-times"], env=ENVIRONMENT, check=True, capture_output=True, text=True).stdout
    ours = {}
    for line in output.splitlines():
        match = re.match(r"\s+(\S+)\s+forward\s+([\d.]+) ms\s+backward\s+([\d.]+) ms", line)
        if match:
            kind = dlscale_kind(match.group(1))
            ours[kind] = ours.get(kind, 0.0) + float(match.group(2)) + float(match.group(3))
    profile = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--torch-child", model, "--batch", str(batch),
         "--threads", str(arguments.threads), "--layers"], env=ENVIRONMENT, check=True, capture_output=True,
        text=True).stdout
    theirs = json.loads(profile.split("PROFILE ", 1)[1])
    print(f"{model} batch {batch}: forward + backward by layer kind (ms per step)")
    print(f"  {'kind':16} {'dlscale':>9} {'PyTorch':>9} {'ratio':>6}")
    for kind in sorted(set(ours) | set(theirs), key=lambda k: -ours.get(k, 0.0)):
        a, b = ours.get(kind), theirs.get(kind)
        ratio = f"{a / b:6.2f}" if a and b else "     -"
        print(f"  {kind:16} {a or 0:9.1f} {b or 0:9.1f} {ratio}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dlscale", default=".build/release/dlscale")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--models", default="resnet50:8,vgg16:4,googlenet:8", help="MODEL:BATCH,...")
    parser.add_argument("--layers", action="store_true", help="also time forward + backward by layer kind")
    parser.add_argument("--torch-child", choices=sorted(BUILDERS), help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.torch_child:
        return torch_child(arguments)
    if not os.path.exists(arguments.dlscale):
        sys.exit(f"{arguments.dlscale} not found: run `swift build -c release` first")
    print(f"PyTorch {torch.__version__}, {arguments.threads} threads, "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}")
    with tempfile.TemporaryDirectory() as folder:
        for item in arguments.models.split(","):
            model, batch = item.split(":")
            speed, memory = compare(arguments, model, int(batch), folder)
            if model == "resnet50" and int(batch) == 8:
                print(f"VERDICT resnet50 batch 8 samples/s ≥ 1.0× PyTorch: {'met' if speed >= 1.0 else 'NOT met'} "
                      f"({speed:.3f})")
                print(f"VERDICT resnet50 batch 8 peak memory ≤ PyTorch's: {'met' if memory <= 1.0 else 'NOT met'} "
                      f"({memory:.3f})")
            if arguments.layers and model != "resnet50":
                compare_layers(arguments, model, int(batch))


if __name__ == "__main__":
    main()
