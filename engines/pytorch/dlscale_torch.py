"""dlscale's PyTorch engine: one rank of `dlscale train --engine pytorch`.

Started by the same launcher as dlscale's own agents (mpirun or srun), one process per rank; the
rank and the rank count come from the launcher's environment. Gradients are reduced by
torch.distributed (gloo on the CPU, NCCL with --device cuda) through DistributedDataParallel with
the run's bucket size; a communication hook times each bucket's allreduce. Rank 0 prints the same
table as dlscale's agent and one train record (`DLSCALE-RECORD <json>` with --emit-records).

The step's breakdown, as dlscale's engine measures it (docs/ARCHITECTURE.md, Metrics):
- forward: the model and the loss;
- backward: from the loss to the last bucket's hook (every gradient computed, DDP's allreduces
  of the earlier buckets running beside it);
- exposed communication: from the last bucket's hook to backward's return (DDP waits there for
  every bucket's allreduce);
- update: SGD and clearing the gradients.
With --alone-steps, compute alone is a step under `no_sync()` (no gradient synchronisation) plus
the last update, and communication alone is the same buckets allreduced with no compute.
With --overlap off the step runs under `no_sync()` and the gradients are allreduced after
backward, bucket after bucket (whole tensors in backward order up to the bucket size, as DDP first
buckets them): backward ends with the gradients computed and all communication is exposed.
"""
import argparse
import contextlib
import hashlib
import json
import os
import socket
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone

PROGRAM = "dlscale-torch"
SCHEMA = 1


def fail(message):
    """One line on stderr and a non-zero exit (mpirun then ends the other ranks)."""
    print(f"{PROGRAM}: error: {message}", file=sys.stderr, flush=True)
    sys.stdout.flush()
    os._exit(1)


def parse_arguments(argv):
    parser = argparse.ArgumentParser(prog=PROGRAM, description="One rank of dlscale train --engine pytorch.")
    parser.add_argument("--model", default="sensornet")
    parser.add_argument("--batch", type=int, default=8, help="per rank (weak) or global (strong)")
    parser.add_argument("--scaling", choices=("weak", "strong"), default="weak")
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--alone-steps", type=int, default=0)
    parser.add_argument("--warmup-steps", type=int, default=1)
    parser.add_argument("--bucket-bytes", type=int, default=8 << 20)
    parser.add_argument("--overlap", choices=("on", "off"), default="on",
                        help="on: DDP's allreduces beside backward; off: after backward")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--learning-rate", type=float, default=0.01)
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--master-addr", help="rank 0's address for the TCP rendezvous")
    parser.add_argument("--master-port", type=int, default=29500)
    parser.add_argument("--socket-interface", help="the network interface gloo uses (GLOO_SOCKET_IFNAME)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds a collective may wait")
    parser.add_argument("--emit-records", action="store_true")
    parser.add_argument("--run-id")
    parser.add_argument("--origin-command", help="the command to record, as a JSON array of strings")
    parser.add_argument("--dlscale-version", default="0.1.0")
    parser.add_argument("--count-params", action="store_true", help="print every model's trainable parameters")
    arguments = parser.parse_args(argv)
    for name in ("batch", "steps", "threads", "bucket_bytes"):
        if getattr(arguments, name) <= 0:
            fail(f"--{name.replace('_', '-')} must be positive, got {getattr(arguments, name)}")
    for name in ("alone_steps", "warmup_steps"):
        if getattr(arguments, name) < 0:
            fail(f"--{name.replace('_', '-')} must not be negative, got {getattr(arguments, name)}")
    return arguments


def world_position(environment):
    """(rank, size, local rank) from mpirun's or Slurm's environment; one rank without either."""
    for rank, size, local in (("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK"),
                              ("SLURM_PROCID", "SLURM_NTASKS", "SLURM_LOCALID")):
        if rank in environment and size in environment:
            return int(environment[rank]), int(environment[size]), int(environment.get(local, "0"))
    return 0, 1, 0


def bind_machine_cores(rank, environment):
    """Emulated hosts share this machine: the launcher leaves their ranks unbound and names the
    threads per rank (MachineCoreBinding); each rank takes the cores after the ranks before it."""
    threads = environment.get("DLSCALE_BIND_MACHINE_CORES")
    if threads and threads.isdigit() and int(threads) > 0:
        os.sched_setaffinity(0, range(rank * int(threads), (rank + 1) * int(threads)))


def core_list(cores):
    """Cores as `taskset -c` lists them: "0-3,6"."""
    cores, ranges = sorted(cores), []
    for core in cores:
        if ranges and core == ranges[-1][1] + 1:
            ranges[-1][1] = core
        else:
            ranges.append([core, core])
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in ranges)


def limit_library_threads(threads):
    """OpenBLAS and OpenMP start a thread per core unless told otherwise, and under a CPU cap
    (an emulated host's --cpus) the extra threads spinning beside the rank's own slow it several
    times over: every pool gets --threads, as dlscale's engine sets OpenBLAS's. Before torch loads."""
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = str(threads)


def choose_openblas_kernels():
    """The BLAS kernel choice dlscale's engine makes (BLASCoreType.swift); before torch loads."""
    if "OPENBLAS_CORETYPE" in os.environ:
        return
    try:
        with open("/proc/cpuinfo") as file:
            flags = set(next(line for line in file if line.startswith("flags")).split(":")[1].split())
    except (OSError, StopIteration):
        return
    if {"avx512f", "avx512bw", "avx512dq", "avx512vl"} <= flags:
        os.environ["OPENBLAS_CORETYPE"] = "SkylakeX"
    elif {"avx2", "fma"} <= flags:
        os.environ["OPENBLAS_CORETYPE"] = "Haswell"


def master_address(arguments, environment):
    if arguments.master_addr:
        return arguments.master_addr
    nodes = environment.get("SLURM_JOB_NODELIST") or environment.get("SLURM_NODELIST")
    if nodes:  # Slurm's task 0 runs on the allocation's first node
        import subprocess
        names = subprocess.run(["scontrol", "show", "hostnames", nodes], capture_output=True, text=True).stdout
        if names.split():
            return names.split()[0]
    return "127.0.0.1"


def batch_split(batch, scaling, ranks):
    """Each rank's share of the global batch, as dlscale's engine splits it."""
    if scaling == "strong":
        return [batch // ranks + (1 if rank < batch % ranks else 0) for rank in range(ranks)]
    return [batch] * ranks


def summary(values):
    ordered = sorted(values)

    def percentile(q):
        position = q * (len(ordered) - 1)
        low = int(position)
        high = min(low + 1, len(ordered) - 1)
        return ordered[low] + (ordered[high] - ordered[low]) * (position - low)

    return {"min": ordered[0], "mean": statistics.fmean(values), "median": percentile(0.5), "p95": percentile(0.95),
            "max": ordered[-1]}


def main(argv):
    arguments = parse_arguments(argv)
    environment = os.environ
    rank, size, local_rank = world_position(environment)
    bind_machine_cores(rank, environment)
    limit_library_threads(arguments.threads)
    choose_openblas_kernels()
    try:
        import torch
        import torch.distributed as dist
        import torch.nn.functional as F
        from torch.nn.parallel import DistributedDataParallel
    except ImportError:
        fail(f"PyTorch not found for {sys.executable}: install python3-torch (make deps)")
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import dlscale_zoo

    if arguments.count_params:
        counts = {name: dlscale_zoo.trainable_parameters(dlscale_zoo.build(name)[0]) for name in dlscale_zoo.MODELS}
        print(json.dumps(counts, sort_keys=True))
        return
    if arguments.model not in dlscale_zoo.MODELS:
        fail(f"unknown model '{arguments.model}' (known: {', '.join(dlscale_zoo.MODELS)})")
    if arguments.device == "cuda" and not torch.cuda.is_available():
        fail(f"--device cuda: CUDA is not available to PyTorch {torch.__version__} here (no GPU or no CUDA build)")

    torch.set_num_threads(arguments.threads)
    if arguments.socket_interface:
        environment["GLOO_SOCKET_IFNAME"] = arguments.socket_interface
    device = torch.device("cuda", local_rank % torch.cuda.device_count()) if arguments.device == "cuda" else None
    backend = "nccl" if device is not None else "gloo"
    dist.init_process_group(
        backend, init_method=f"tcp://{master_address(arguments, environment)}:{arguments.master_port}",
        rank=rank, world_size=size, timeout=timedelta(seconds=arguments.timeout))
    if device is not None:
        torch.cuda.set_device(device)

    def synchronize():
        if device is not None:
            torch.cuda.synchronize(device)

    split = batch_split(arguments.batch, arguments.scaling, size)
    if min(split) <= 0:
        fail(f"a global batch of {arguments.batch} cannot be split over {size} ranks")
    local_batch, global_batch = split[rank], sum(split)
    first_sample = sum(split[:rank])

    torch.manual_seed(arguments.seed)
    model, input_shape, classes = dlscale_zoo.build(arguments.model)
    model.to(device or "cpu").train()
    ddp = DistributedDataParallel(model, device_ids=[device] if device is not None else None,
                                  bucket_cap_mb=arguments.bucket_bytes / 2**20, broadcast_buffers=False)
    optimizer = torch.optim.SGD(ddp.parameters(), lr=arguments.learning_rate, momentum=0.9)

    # The hook: each bucket's gradients weighted by this rank's share of the global batch (each
    # rank's loss is its own batch's mean), allreduced, timed from the hook's call to the
    # allreduce's completion.
    share = local_batch / global_batch
    hook_state = {"calls": [], "buckets": []}

    def timed_allreduce(state, bucket):
        tensor = bucket.buffer()
        tensor.mul_(share)
        started = time.perf_counter()
        state["calls"].append(started)
        state["buckets"].append(tensor.numel())
        future = dist.all_reduce(tensor, async_op=True).get_future()

        def finished(done):
            state.setdefault("seconds", []).append(time.perf_counter() - started)
            return done.value()[0]

        return future.then(finished)

    ddp.register_comm_hook(hook_state, timed_allreduce)

    def load_batch(step):
        generator = torch.Generator().manual_seed(arguments.seed * 1_000_003 + step * 65_537 + first_sample)
        inputs = torch.randn((local_batch,) + tuple(input_shape), generator=generator)
        labels = torch.randint(0, classes, (local_batch,), generator=generator)
        return (inputs.to(device), labels.to(device)) if device is not None else (inputs, labels)

    def buckets_after_backward():
        """--overlap off: whole gradient tensors in backward order (the parameters' reversed), up
        to the bucket size."""
        buckets, current, size = [], [], 0
        for parameter in reversed([p for p in model.parameters() if p.requires_grad]):
            bytes_ = parameter.numel() * parameter.element_size()
            if current and size + bytes_ > arguments.bucket_bytes:
                buckets.append(current)
                current, size = [], 0
            current.append(parameter)
            size += bytes_
        return buckets + ([current] if current else [])

    plan = buckets_after_backward() if arguments.overlap == "off" else None

    def reduce_after_backward():
        """Each bucket weighted by the rank's share, allreduced and copied back, one after another."""
        for bucket in plan:
            flat = torch.cat([parameter.grad.reshape(-1) for parameter in bucket]).mul_(share)
            started = time.perf_counter()
            dist.all_reduce(flat)
            synchronize()
            hook_state["seconds"].append(time.perf_counter() - started)
            hook_state["buckets"].append(flat.numel())
            offset = 0
            for parameter in bucket:
                parameter.grad.copy_(flat[offset:offset + parameter.numel()].view_as(parameter.grad))
                offset += parameter.numel()

    last_update = [0.0]

    def train_step(inputs, labels):
        hook_state.update(calls=[], buckets=[], seconds=[])
        synchronize()
        start = time.perf_counter()
        with ddp.no_sync() if plan is not None else contextlib.nullcontext():
            loss = F.cross_entropy(ddp(inputs), labels)
            synchronize()
            forward_end = time.perf_counter()
            loss.backward()
            synchronize()
        if plan is not None:
            hook_state["calls"].append(time.perf_counter())
            reduce_after_backward()
        backward_end = time.perf_counter()
        optimizer.step()
        optimizer.zero_grad(set_to_none=False)
        synchronize()
        update_end = time.perf_counter()
        computed = max(hook_state["calls"]) if hook_state["calls"] else backward_end
        last_update[0] = update_end - backward_end
        return {"forward": forward_end - start, "backward": computed - forward_end,
                "exposed": backward_end - computed, "allreduce": sum(hook_state["seconds"]),
                "update": update_end - backward_end, "loss": loss.item(), "buckets": list(hook_state["buckets"])}

    def compute_only_step(inputs, labels):
        """Forward and backward with no gradient synchronisation, plus the last update's time."""
        synchronize()
        start = time.perf_counter()
        with ddp.no_sync():
            F.cross_entropy(ddp(inputs), labels).backward()
        synchronize()
        seconds = time.perf_counter() - start
        optimizer.zero_grad(set_to_none=False)
        return seconds + last_update[0]

    def communication_only_step(buckets):
        """The step's buckets allreduced with no compute, started together as DDP starts them."""
        tensors = [torch.ones(count, device=device or "cpu") for count in buckets]
        dist.barrier()
        synchronize()
        start = time.perf_counter()
        works = [dist.all_reduce(tensor, async_op=True) for tensor in tensors]
        for work in works:
            work.wait()
        synchronize()
        return time.perf_counter() - start

    hostname = socket.gethostname()
    cores = core_list(os.sched_getaffinity(0))
    places = [None] * size
    dist.all_gather_object(places, (hostname, cores))
    rank_hosts, rank_cores = [place[0] for place in places], [place[1] for place in places]
    hosts = len(set(rank_hosts))
    device_name = torch.cuda.get_device_name(device) if device is not None else "cpu"
    algorithm = backend
    steps, alone_steps, warmup_steps = arguments.steps, arguments.alone_steps, arguments.warmup_steps

    if rank == 0:
        batch_text = (f"{split[0]} per rank (global {global_batch})" if len(set(split)) == 1
                      else f"{split} (global {global_batch})")
        print(f"# dlscale train: {arguments.model}, {size} ranks on {hosts} host(s), batch {batch_text}, "
              f"engine pytorch {torch.__version__} ({backend}, {device_name}), {'DDP ' if plan is None else ''}buckets of "
              f"{arguments.bucket_bytes / 2**20:g} MiB, overlap {arguments.overlap}")
        line = "# binding: " + ", ".join(f"rank {r} on {h} cores {c}" for r, (h, c) in enumerate(places))
        print(line)
        print("#  step    loss   step(ms)   fwd(ms)   bwd(ms)  exposed(ms)  allreduce(ms)  update(ms)", flush=True)

    keys = ("forward", "backward", "exposed", "allreduce", "update", "loss")
    timed, own_compute, buckets = [], [], []
    compute_alone = communication_alone = 0.0
    pairs = 0

    def measure_alone():
        nonlocal compute_alone, communication_alone, pairs
        inputs, labels = load_batch(warmup_steps + steps + pairs)
        compute_alone += compute_only_step(inputs, labels)
        communication_alone += communication_only_step(buckets)
        pairs += 1

    for step in range(warmup_steps + steps):
        times = train_step(*load_batch(step))
        buckets = times["buckets"]
        vector = torch.tensor([times[key] for key in keys], dtype=torch.float64)
        dist.all_reduce(vector)  # every rank's times, averaged: the step of a synchronous run
        mean = dict(zip(keys, (vector / size).tolist()))
        mean["total"] = mean["forward"] + mean["backward"] + mean["exposed"] + mean["update"]
        warmup = step < warmup_steps
        if not warmup:
            timed.append(mean)
            own_compute.append(times["forward"] + times["backward"])
        if rank == 0:
            print(f"{step:6d} {mean['loss']:7.4f} {mean['total'] * 1e3:10.2f} {mean['forward'] * 1e3:9.2f} "
                  f"{mean['backward'] * 1e3:9.2f} {mean['exposed'] * 1e3:12.2f} {mean['allreduce'] * 1e3:14.2f} "
                  f"{mean['update'] * 1e3:11.2f}{'  (warm-up)' if warmup else ''}", flush=True)
        if not warmup and pairs < alone_steps:
            measure_alone()
    while pairs < alone_steps:
        measure_alone()

    rank_compute = [None] * size
    dist.all_gather_object(rank_compute, statistics.fmean(own_compute) * 1e3)
    weights = hashlib.sha256()
    for parameter in model.parameters():
        weights.update(parameter.detach().cpu().contiguous().numpy().tobytes())
    digest = weights.hexdigest()[:16]
    digests = [None] * size
    dist.all_gather_object(digests, digest)
    alone = None
    if alone_steps > 0:
        totals = torch.tensor([compute_alone, communication_alone], dtype=torch.float64)
        dist.all_reduce(totals)
        alone = (totals / (size * alone_steps)).tolist()
    dist.barrier()
    if rank != 0:
        leave(0)

    def mean_of(key):
        return statistics.fmean(step[key] for step in timed) * 1e3

    step_ms = summary([step["total"] * 1e3 for step in timed])
    try:
        command = json.loads(arguments.origin_command) if arguments.origin_command else sys.argv
    except json.JSONDecodeError:
        command = sys.argv
    record = {
        "schema": SCHEMA, "kind": "train",
        "run_id": arguments.run_id or datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S") + f"-{os.getpid():x}",
        "timestamp": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "ranks": size, "hosts": hosts, "rank_hosts": rank_hosts, "rank_cores": rank_cores,
        "dlscale_version": arguments.dlscale_version, "command": command,
        "engine": "pytorch", "engine_version": torch.__version__, "device": device_name,
        "model": arguments.model, "batch_per_rank": max(split), "global_batch": global_batch, "rank_batches": split,
        "scaling": arguments.scaling, "algorithm": algorithm, "bucket_bytes": arguments.bucket_bytes,
        "bucket_count": len(buckets), "overlap": arguments.overlap, "steps": steps, "warmup_steps": warmup_steps,
        "threads": arguments.threads, "step_ms": step_ms, "forward_ms": mean_of("forward"),
        "backward_ms": mean_of("backward"), "allreduce_ms": mean_of("allreduce"), "exposed_comm_ms": mean_of("exposed"),
        "update_ms": mean_of("update"), "samples_per_s": global_batch / (step_ms["mean"] / 1e3),
        "gradient_bytes": 4 * dlscale_zoo.trainable_parameters(model), "loss": timed[-1]["loss"],
        "weights_digest": digest, "ranks_agree": len(set(digests)) == 1, "rank_compute_ms": rank_compute,
    }
    if alone is not None:
        record["compute_alone_ms"], record["comm_alone_ms"] = alone[0] * 1e3, alone[1] * 1e3
    compute = record["forward_ms"] + record["backward_ms"]
    print(f"# {record['samples_per_s']:.1f} samples/s, step {step_ms['mean']:.2f} ms (compute {compute:.2f}, "
          f"exposed communication {record['exposed_comm_ms']:.2f}), "
          f"weights {'identical on every rank' if record['ranks_agree'] else 'DIFFER across ranks'}")
    if alone is not None:
        print(f"# alone: compute {alone[0] * 1e3:.2f} ms, communication {alone[1] * 1e3:.2f} ms; "
              f"step / max(alone) = {step_ms['mean'] / 1e3 / max(alone):.3f}")
    # JSON has no number for a diverged loss: written as dlscale writes it, a string.
    loss = record["loss"]
    if loss != loss or loss in (float("inf"), float("-inf")):
        record["loss"] = "nan" if loss != loss else ("inf" if loss > 0 else "-inf")
    line = json.dumps(record, sort_keys=True, separators=(",", ":"))
    print(("DLSCALE-RECORD " if arguments.emit_records else "") + line, flush=True)
    if not record["ranks_agree"]:
        fail("weights differ across ranks after training")
    leave(0)


def leave(status):
    """Ends the rank at once, after the last collective: tearing down gloo's process group and
    the interpreter with its threads could spin for minutes once the other ranks have gone."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


if __name__ == "__main__":
    main(sys.argv[1:])
