# dlscale: the quick start (`make demo`, `make test`) and the benchmarks (`make bench`).
# Every target installs the Debian packages it needs first (scripts/install-deps.sh).

SWIFT ?= swift
RELEASE_DIR = .build/release
export OMPI_ALLOW_RUN_AS_ROOT = 1
export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM = 1

.PHONY: deps build release demo test lint format bench bench-harness bench-kernels bench-algorithms \
  bench-overlap bench-accuracy bench-compute-model bench-training bench-binding bench-memory bench-system-accuracy bench-engines clean

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

## The main job on this machine: measure it, summarise, write results under ./dlscale-results/.
demo: release
	$(RELEASE_DIR)/dlscale demo

## Every test (unit, mpirun integration, end to end). The suites that start clusters, daemons
## and faults run afterwards, one test at a time, so that link-rate checks are not starved of
## CPU and fault injections see only their own processes.
SYSTEM_SUITES = ClusterTests|EmulatedRunTests|FaultTests|SlurmTests
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --skip '$(SYSTEM_SUITES)'
	$(SWIFT) test --skip-build --no-parallel --filter '$(SYSTEM_SUITES)'

lint:
	$(SWIFT) format lint --strict --recursive Sources Tests Package.swift

format:
	$(SWIFT) format format --in-place --recursive Sources Tests Package.swift

## Benchmarks: figures measured on this machine, side by side in one run. The emulated-cluster
## ones need root; each prints a table and a "VERDICT ...: met / NOT met" line per target.
## bench-overlap and bench-accuracy share one training sweep (bench-results/scaling, resumed).
bench: bench-harness bench-kernels bench-training bench-binding bench-algorithms bench-overlap bench-accuracy

## The harness against a minimal C program timing MPI_Allreduce the same way, 2 ranks.
bench-harness: release
	mpicc -O2 -o $(RELEASE_DIR)/allreduce-reference Benchmarks/allreduce_reference.c
	python3 Benchmarks/harness_overhead.py --dlscale-agent $(RELEASE_DIR)/dlscale-agent \
	  --reference $(RELEASE_DIR)/allreduce-reference

## The kernels against OpenBLAS's SGEMM (1 and 2 threads) and PyTorch (Debian's CPU build).
bench-kernels: release
	@scripts/install-deps.sh python3-torch
	/usr/bin/python3 Benchmarks/kernels_vs_torch.py --threads 1 --skip-networks
	/usr/bin/python3 Benchmarks/kernels_vs_torch.py --threads 2

## Training through `dlscale train --np 1` against PyTorch's training step, 2 threads, alternated
## over three rounds: ResNet-50 batch 8 (samples/s and peak memory targets), VGG-16 batch 4 and
## GoogleNet batch 8, with their time by layer kind (about 12 min).
bench-training: release
	@scripts/install-deps.sh python3-torch
	/usr/bin/python3 Benchmarks/training_vs_torch.py --threads 2 --rounds 3 --layers

## Predicted memory per rank against the peak RSS of `dlscale train --np 1`: SensorNet, ResNet-50
## and VGG-16, with the process baseline measured once on TextCNN (about 3 min).
bench-memory: release
	python3 Benchmarks/memory_check.py --dlscale $(RELEASE_DIR)/dlscale

## Binding on emulated hosts: overlap at defaults (ResNet-50 batch 4, 2 hosts at 500 Mbit/s, every
## overlap mode and mpirun's old binding alternated) and compute alone against beside others under
## --cpus 0.45 (about 10 min; root).
bench-binding: release
	python3 Benchmarks/binding_checks.py --dlscale $(RELEASE_DIR)/dlscale

## Predictions for the emulated cluster described as a system (its set link rate; compute, shared
## memory and communication's CPU measured on one host) against measured runs at 4 hosts x 1 rank
## and 2 hosts x 2 ranks, ResNet-50 and the acoustic model (about 10 min; root).
bench-system-accuracy: release
	python3 Benchmarks/system_accuracy.py --dlscale $(RELEASE_DIR)/dlscale

## Allreduce algorithms against OpenMPI's own, 4 emulated hosts at 200 Mbit/s (about 15 min).
bench-algorithms: release
	python3 Benchmarks/allreduce_algorithms.py --dlscale $(RELEASE_DIR)/dlscale

## Overlap and weak/strong scaling of three models at 1-4 emulated hosts, then the forward plan with
## the communication thread on shared and on reserved CPU, alternated (about 52 min).
bench-overlap: release
	python3 Benchmarks/overlap_scaling.py --dlscale $(RELEASE_DIR)/dlscale

## dlscale's engine against PyTorch's DDP (--engine pytorch), weak scaling on 4 emulated hosts at
## 200 Mbit/s, the engines alternated round by round (root).
bench-engines: release
	python3 Benchmarks/engines_compare.py --dlscale $(RELEASE_DIR)/dlscale

## Fitted models against held-out measurements on the emulated cluster (about 16 min).
bench-accuracy: release
	python3 Benchmarks/model_accuracy.py --dlscale $(RELEASE_DIR)/dlscale

## The per-layer compute model on held-out models: the layers of nine models at batch 1, 2 and 4,
## two rounds, then `dlscale fit` (about 6 min; no root, no emulated cluster; also part of
## bench-accuracy).
bench-compute-model: release
	python3 Benchmarks/compute_model.py --dlscale $(RELEASE_DIR)/dlscale

clean:
	rm -rf .build
