#!/usr/bin/env bash
# A single-node Slurm on this machine, for tests and trying `dlscale sweep --launcher srun`:
# munged, slurmctld and slurmd with their own key, sockets, state and logs in one folder, a
# node named after this host with 2 CPUs, one partition. Root only.
#
#   local-slurm.sh up   [DIR]   start (DIR defaults to /tmp/dlscale-slurm); prints `export SLURM_CONF=...`
#   local-slurm.sh down [DIR]   stop everything `up` started and remove DIR
#   local-slurm.sh env  [DIR]   print the environment a client needs
#
# Ports: $DLSCALE_SLURMCTLD_PORT (default 6917) and $DLSCALE_SLURMD_PORT (default 6918).
set -euo pipefail

readonly program="local-slurm.sh"
fail() {
  echo "$program: $*" >&2
  exit 1
}

command=${1:-}
dir=${2:-/tmp/dlscale-slurm}
ctld_port=${DLSCALE_SLURMCTLD_PORT:-6917}
slurmd_port=${DLSCALE_SLURMD_PORT:-6918}
conf="$dir/slurm.conf"

stop_pidfile() {
  local pidfile=$1 pid
  [[ -f "$pidfile" ]] || return 0
  pid=$(cat "$pidfile" 2>/dev/null || true)
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

up() {
  ((EUID == 0)) || fail "needs root (slurmd runs jobs as any user)"
  for tool in munged slurmctld slurmd sbatch srun sinfo; do
    command -v "$tool" >/dev/null || fail "needs '$tool' (apt-get install munge slurmctld slurmd slurm-client)"
  done
  # The daemons get no stdin/stdout/stderr of ours: a caller reading our output to its end
  # would otherwise wait for them forever.
  mkdir -p "$dir/state" "$dir/spool" "$dir/munge"
  chmod 700 "$dir/munge"
  local node
  node=$(hostname -s)
  if [[ ! -f "$dir/munge/munge.key" ]]; then
    dd if=/dev/urandom of="$dir/munge/munge.key" bs=1 count=1024 status=none
    chmod 400 "$dir/munge/munge.key"
  fi
  cat >"$conf" <<CONF
ClusterName=dlscale
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/affinity
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
NodeName=$node NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=local Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4
CONF
  if ! munge -S "$dir/munge/munge.socket" -n </dev/null >/dev/null 2>&1; then
    munged --force --socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" \
      --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" \
      --seed-file="$dir/munge/munged.seed" </dev/null >/dev/null 2>&1
  fi
  [[ -f "$dir/slurmctld.pid" ]] && kill -0 "$(cat "$dir/slurmctld.pid")" 2>/dev/null ||
    slurmctld -f "$conf" -i </dev/null >/dev/null 2>&1
  [[ -f "$dir/slurmd.pid" ]] && kill -0 "$(cat "$dir/slurmd.pid")" 2>/dev/null ||
    slurmd -f "$conf" </dev/null >/dev/null 2>&1
  export SLURM_CONF="$conf"
  for _ in $(seq 100); do
    if sinfo -h -o '%t' 2>/dev/null | grep -qE '^(idle|mix|alloc)'; then
      echo "export SLURM_CONF=$conf"
      return 0
    fi
    sleep 0.2
  done
  fail "slurm did not come up within 20 s (logs in $dir: slurmctld.log, slurmd.log)"
}

down() {
  stop_pidfile "$dir/slurmd.pid"
  stop_pidfile "$dir/slurmctld.pid"
  stop_pidfile "$dir/munge/munged.pid"
  [[ "$dir" == /tmp/* || "$dir" == /run/* ]] && rm -rf "$dir"
  return 0
}

case "$command" in
  up) up ;;
  down) down ;;
  env) echo "export SLURM_CONF=$conf" ;;
  *)
    sed -n '2,10s/^# \{0,1\}//p' "$0"
    exit 2
    ;;
esac
