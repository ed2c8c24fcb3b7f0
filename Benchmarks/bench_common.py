"""What the emulated-cluster benchmarks share: running dlscale, an emulated cluster that is always
taken down, reading JSONL records, and formatting sizes and verdicts."""
import contextlib
import json
import os
import subprocess
import sys
import time

# The training clusters' tbf burst in bytes: 70000 lets the kernel's 64 KiB GSO packets (with
# their headers) through whole, as a NIC's segmentation offload would, where the default burst has
# tbf cut them into frames on the hosts' CPU time.
TRAINING_BURST = 70000

ENVIRONMENT = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run(command, check=True, capture=False):
    """Runs one command (an argument vector), its output on stderr unless captured."""
    log("$ " + " ".join(command))
    if capture:
        return subprocess.run(command, env=ENVIRONMENT, check=check, capture_output=True, text=True).stdout
    subprocess.run(command, env=ENVIRONMENT, check=check, stdout=sys.stderr)
    return None


@contextlib.contextmanager
def emulated_cluster(dlscale, name, hosts, rate, cpus=None, burst=None, comm_cpus=None, slots=None):
    """An emulated cluster for the duration of a `with` block, taken down even on failure; with
    `cpus`, each host is capped at that many cores (so it computes as fast alone as beside the others);
    with `burst`, every link's tbf burst in bytes; with `comm_cpus`, that many cores more per host
    reserved for the communication threads of runs that take them (`comm-cpu: reserved`); with
    `slots`, that many MPI slots per host (ranks per node)."""
    run([dlscale, "cluster", "down", "--name", name], check=False)
    run([dlscale, "cluster", "up", "--name", name, "--hosts", str(hosts), "--rate", rate]
        + (["--cpus", str(cpus)] if cpus else []) + (["--burst", str(burst)] if burst else [])
        + (["--comm-cpus", str(comm_cpus)] if comm_cpus else []) + (["--slots", str(slots)] if slots else []))
    try:
        yield name
    finally:
        run([dlscale, "cluster", "down", "--name", name], check=False)


def records(path, kind=None):
    """The records of a JSONL results file (a torn last line is skipped), optionally of one kind."""
    if not os.path.exists(path):
        return []
    result = []
    with open(path) as file:
        for line in file:
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            if kind is None or record.get("kind") == kind:
                result.append(record)
    return result


def overlap_mode(record):
    """A train record's overlap mode: off, on or forward (older files: two booleans)."""
    mode = record.get("overlap")
    if isinstance(mode, str):
        return mode
    return "forward" if record.get("overlap_forward") else "on" if mode else "off"


def comm_cpu(record):
    """Where a train record's communication thread took its CPU: shared (the rank's own) or reserved."""
    return "reserved" if record.get("comm_cpu_reserved") else "shared"


def size_text(n):
    for unit, scale in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale and n % scale == 0:
            return f"{n // scale}{unit}"
    return f"{n}B"


def verdict(label, met, detail):
    print(f"VERDICT {label}: {'met' if met else 'NOT met'} ({detail})")
    return met


def mape(pairs):
    """Mean absolute percentage error of (predicted, observed) pairs, percent."""
    return 100 * sum(abs(p - o) / o for p, o in pairs) / len(pairs)
