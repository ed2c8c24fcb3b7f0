# dlscale: the quick start (`make demo`, `make test`) and the benchmarks (`make bench`).
# Every target installs the Debian packages it needs first (scripts/install-deps.sh).

SWIFT ?= swift
RELEASE_DIR = .build/release
export OMPI_ALLOW_RUN_AS_ROOT = 1
export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM = 1

.PHONY: deps build release demo test lint format bench bench-harness clean
.PHONY: bench-kernels

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

## Benchmarks: figures measured on this machine, side by side in one run.
bench: bench-harness
bench: bench-kernels

## The harness against a minimal C program timing MPI_Allreduce the same way, 2 ranks.
bench-harness: release
	mpicc -O2 -o $(RELEASE_DIR)/allreduce-reference Benchmarks/allreduce_reference.c
	python3 Benchmarks/harness_overhead.py --dlscale-agent $(RELEASE_DIR)/dlscale-agent \
	  --reference $(RELEASE_DIR)/allreduce-reference

## The kernels against OpenBLAS's SGEMM (1 and 2 threads) and ResNet-50 training against
## PyTorch (Debian's CPU build): samples/s and peak memory, alternated over three rounds.
bench-kernels: release
	@scripts/install-deps.sh python3-torch
	/usr/bin/python3 Benchmarks/kernels_vs_torch.py --threads 1 --skip-networks
	/usr/bin/python3 Benchmarks/kernels_vs_torch.py --threads 2 --resnet50 --rounds 3

clean:
	rm -rf .build
