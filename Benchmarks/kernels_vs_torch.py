#!/usr/bin/env python3
"""Compare dlscale's compute kernels with raw SGEMM and with PyTorch on the CPU.

1. GEMM-heavy layers: runs `dlscale kernels --layers conv,fc,sgemm` and prints, per shape and
   pass, the layer's GFLOP/s as a fraction of the bare SGEMM calls of the same dimensions, next to
   PyTorch's time for the same layer.
2. A small network: training samples/s of `dlscale kernels --network small-residual` (and
   small-mlp) against the same network in PyTorch (SGD with momentum, batch-norm in training mode).
Training whole reference models through `dlscale train`, against PyTorch, is
Benchmarks/training_vs_torch.py (`make bench-training`), with the models of the PyTorch engine
(engines/pytorch/dlscale_zoo.py).

Usage (after `swift build -c release`):
    /usr/bin/python3 Benchmarks/kernels_vs_torch.py [--dlscale .build/release/dlscale]
        [--threads 2] [--batch 8] [--network-batch 32] [--repeat 5]
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


def choose_openblas_kernels():
    """Give PyTorch's BLAS the same kernel choice dlscale makes (see BLASCoreType.swift): OpenBLAS
    falls back to SSE3 kernels on CPUs it does not recognise. Must run before torch loads."""
    if "OPENBLAS_CORETYPE" in os.environ:
        return
    try:
        flags = next(line for line in open("/proc/cpuinfo") if line.startswith("flags")).split(":")[1].split()
    except (OSError, StopIteration):
        return
    if {"avx512f", "avx512bw", "avx512dq", "avx512vl"} <= set(flags):
        os.environ["OPENBLAS_CORETYPE"] = "SkylakeX"
    elif {"avx2", "fma"} <= set(flags):
        os.environ["OPENBLAS_CORETYPE"] = "Haswell"


choose_openblas_kernels()

import torch  # noqa: E402  (after the BLAS kernel choice)
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402


def median_seconds(function, repeat, warmup=1):
    for _ in range(warmup):
        function()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def parse_shape(shape):
    """'8×[96×27×27] k5×5 s1×1 p2×2 g2 → 256×27×27' → dict of the numbers."""
    match = re.match(r"(\d+)×\[(\d+)×(\d+)×(\d+)\](.*)→ (\d+)×", shape)
    batch, channels, height, width, rest, outputs = match.groups()
    result = dict(batch=int(batch), channels=int(channels), height=int(height), width=int(width), outputs=int(outputs))
    for key, pattern in (("kernel", r"k(\d+)×(\d+)"), ("stride", r"s(\d+)×(\d+)"), ("padding", r"p(\d+)×(\d+)")):
        found = re.search(pattern, rest)
        result[key] = (int(found.group(1)), int(found.group(2))) if found else None
    found = re.search(r"g(\d+)", rest)
    result["groups"] = int(found.group(1)) if found else 1
    return result


def torch_layer_seconds(op, shape, repeat):
    s = parse_shape(shape)
    x = torch.randn(s["batch"], s["channels"], s["height"], s["width"], requires_grad=True)
    if op == "conv":
        layer = nn.Conv2d(s["channels"], s["outputs"], s["kernel"], s["stride"], s["padding"], groups=s["groups"])
    else:
        layer = nn.Sequential(nn.Flatten(), nn.Linear(s["channels"] * s["height"] * s["width"], s["outputs"]))
    output = layer(x)
    gradient = torch.randn_like(output)

    def backward():
        y = layer(x)
        y.backward(gradient)

    forward = median_seconds(lambda: layer(x), repeat)
    # Backward alone: time forward+backward and subtract the forward.
    both = median_seconds(backward, repeat)
    return forward, max(both - forward, 1e-9)


def run_layer_table(arguments):
    """One `dlscale kernels` run of the conv/fc table: {(shape, pass): (layer record, sgemm record)}."""
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "kernels.jsonl")
        subprocess.run(
            [arguments.dlscale, "kernels", "--layers", "conv,fc,sgemm", "--threads", str(arguments.threads),
             "--batch", str(arguments.batch), "--repeat", str(arguments.repeat), "--output", path],
            check=True, stdout=subprocess.DEVNULL)
        records = [json.loads(line) for line in open(path)]
    gemms = {(r["shape"], r["pass"]): r for r in records if r["op"] == "sgemm"}
    return {(r["shape"], r["pass"]): (r, gemms[(r["shape"], r["pass"])])
            for r in records if r["op"] in ("conv", "fc")}


def compare_layers(arguments):
    # Each row's ratio is the median over the rounds (dlscale times a layer and its SGEMM twin
    # side by side within a round; the rounds smooth out a noisy machine).
    rounds = [run_layer_table(arguments) for _ in range(arguments.layer_rounds)]
    print(f"{'pass':9} {'layer GF/s':>10} {'sgemm GF/s':>10} {'ratio':>6} {'torch ms':>9} {'ours ms':>8}  shape"
          f"   (medians of {arguments.layer_rounds} rounds)")
    ratios = []
    for (shape, pass_) in rounds[0]:
        pairs = [table[(shape, pass_)] for table in rounds]
        layer_gflops = statistics.median(layer["gflops"] for layer, _ in pairs)
        gemm_gflops = statistics.median(gemm["gflops"] for _, gemm in pairs)
        ratio = statistics.median(layer["gflops"] / gemm["gflops"] for layer, gemm in pairs)
        ours_ms = statistics.median(layer["time_us"]["median"] for layer, _ in pairs) / 1e3
        forward, backward = torch_layer_seconds(pairs[0][0]["op"], shape, arguments.repeat)
        torch_ms = 1e3 * (forward if pass_ == "forward" else backward)
        ratios.append(ratio)
        print(f"{pass_:9} {layer_gflops:10.2f} {gemm_gflops:10.2f} {ratio:6.2f} {torch_ms:9.2f} "
              f"{ours_ms:8.2f}  {shape}")
    per_round = [statistics.median(layer["gflops"] / gemm["gflops"] for layer, gemm in table.values())
                 for table in rounds]
    print(f"median layer/sgemm ratio: {statistics.median(ratios):.2f} "
          f"(each round's median: {', '.join(f'{value:.2f}' for value in per_round)}; target ≥ 0.90)")


class Bottleneck(nn.Module):
    def __init__(self, inputs, width, stride):
        super().__init__()
        self.a = nn.Sequential(nn.Conv2d(inputs, width, 1, stride, bias=False), nn.BatchNorm2d(width), nn.ReLU())
        self.b = nn.Sequential(nn.Conv2d(width, width, 3, 1, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU())
        self.c = nn.Sequential(nn.Conv2d(width, 4 * width, 1, bias=False), nn.BatchNorm2d(4 * width))
        self.projection = nn.Sequential(nn.Conv2d(inputs, 4 * width, 1, stride, bias=False), nn.BatchNorm2d(4 * width))

    def forward(self, x):
        return F.relu(self.c(self.b(self.a(x))) + self.projection(x))


def small_residual():
    """The same graph as BenchmarkNetworks.smallResidual."""
    return nn.Sequential(
        nn.Conv2d(3, 64, 3, 1, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
        Bottleneck(64, 64, 1), Bottleneck(256, 128, 2),
        nn.AvgPool2d(16), nn.Flatten(), nn.Linear(512, 10))


def small_mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(3072, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(), nn.Linear(1024, 10))


def torch_samples_per_second(model, batch, repeat):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = torch.randn(batch, 3, 32, 32)
    labels = torch.randint(0, 10, (batch,))

    def step():
        optimizer.zero_grad(set_to_none=False)
        F.cross_entropy(model(x), labels).backward()
        optimizer.step()

    return batch / median_seconds(step, repeat, warmup=2)


def compare_networks(arguments):
    for name, build, batch in (("small-residual", small_residual, arguments.network_batch),
                               ("small-mlp", small_mlp, 2 * arguments.network_batch)):
        output = subprocess.run(
            [arguments.dlscale, "kernels", "--network", name, "--batch", str(batch), "--threads", str(arguments.threads),
             "--repeat", str(arguments.repeat)], check=True, capture_output=True, text=True).stdout
        ours = float(re.search(r"([\d.]+) samples/s", output).group(1))
        theirs = torch_samples_per_second(build(), batch, arguments.repeat)
        print(f"{name} batch {batch}: dlscale {ours:.1f} samples/s, PyTorch {theirs:.1f} samples/s, ratio {ours / theirs:.2f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dlscale", default=".build/release/dlscale")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=8, help="batch of the layer comparison")
    parser.add_argument("--network-batch", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-layers", action="store_true")
    parser.add_argument("--skip-networks", action="store_true", help="skip small-residual and small-mlp")
    parser.add_argument("--layer-rounds", type=int, default=3, help="runs of the layer table (per-row medians)")
    arguments = parser.parse_args()
    if not os.path.exists(arguments.dlscale):
        sys.exit(f"{arguments.dlscale} not found: run `swift build -c release` first")
    torch.set_num_threads(arguments.threads)
    print(f"PyTorch {torch.__version__}, {arguments.threads} threads, "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}")
    if not arguments.skip_layers:
        compare_layers(arguments)
    if not arguments.skip_networks:
        compare_networks(arguments)


if __name__ == "__main__":
    main()
