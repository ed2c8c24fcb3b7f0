#!/usr/bin/env bash
# An emulated multi-host cluster on one Linux machine: one network namespace per host, a veth
# pair per host into a bridge, addresses in one private /24 that exists only inside this
# machine, and a `tbf` qdisc on both ends of every veth so each host's link has a set rate.
#
#   cluster.sh up     --name NAME [--hosts N] [--rate RATE] [--rate-of HOST=RATE]...
#                     [--slots K] [--subnet A.B.C.0/24] [--mtu BYTES] [--cpus C]
#                     [--burst BYTES] [--comm-cpus C]
#   cluster.sh down   --name NAME
#   cluster.sh status [--name NAME]
#
# Hosts are the namespaces dls-NAME-h1 .. dls-NAME-hN. The state directory
# ($DLSCALE_CLUSTER_STATE, else /run/dlscale/clusters, else /tmp/dlscale/clusters)/NAME holds
# `hostfile` (for mpirun), `launcher` (for --mca plm_rsh_agent), `cidr` and `config`.
# The namespaces get no default route: nothing they send can leave the cluster's /24.
# --mtu sets every link's MTU (default 9000, jumbo frames as HPC Ethernet fabrics run them).
# --cpus C caps each host at C cores of CPU time (a cgroup per host, CFS quota over a 10 ms
# period), so that a host computes as fast whether 1 or N hosts are busy on this machine.
# --comm-cpus C (with --cpus, cgroup v1) reserves C cores more per host for the ranks'
# communication threads, as a real host keeps a core for its communication thread beside those
# that compute: the host's cgroup gets --cpus + C, its ranks run in its `compute` cgroup (--cpus)
# and each rank's communication thread moves itself into its `comm` cgroup (C), which the
# launcher names in DLSCALE_COMM_CGROUP. Without it the communication thread's CPU time comes
# out of the host's --cpus, as on a host whose cores all compute.
# --burst BYTES sets every tbf's burst (default: about 1.3 ms of the rate, at least 8 KiB and two
# frames). 70000 lets the kernel's 64 KiB GSO packets (with their headers) through whole, as a
# NIC's segmentation offload would; a smaller burst makes tbf cut them into frames in software,
# on the hosts' CPU time. A message up to the burst passes at memory speed after an idle spell.
set -euo pipefail

readonly program="cluster.sh"

fail() {
  echo "$program: $*" >&2
  exit 1
}

usage() {
  sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "$0"
}

state_base() {
  if [[ -n "${DLSCALE_CLUSTER_STATE:-}" ]]; then
    echo "$DLSCALE_CLUSTER_STATE"
  elif [[ -d /run ]]; then
    echo /run/dlscale/clusters
  else
    echo /tmp/dlscale/clusters
  fi
}

# A rate as tc writes it (200mbit, 1gbit, 500kbit) -> bits per second; fails on anything else.
rate_in_bits() {
  local rate=$1
  [[ "$rate" =~ ^([1-9][0-9]{0,6})(kbit|mbit|gbit)$ ]] ||
    fail "bad rate '$rate': expected a whole number and kbit, mbit or gbit (e.g. 200mbit)"
  local number=${BASH_REMATCH[1]} unit=${BASH_REMATCH[2]}
  case "$unit" in
    kbit) echo $((number * 1000)) ;;
    mbit) echo $((number * 1000000)) ;;
    gbit) echo $((number * 1000000000)) ;;
  esac
}

# Burst: about 1.3 ms of the rate (32 KiB at 200 Mbit/s), at least 8 KiB and two full frames of
# the MTU (tbf drops a packet larger than its burst, so a burst below the frame size would cut
# the link). A large burst would let messages up to its size pass at memory speed.
burst_bytes() {
  local bits=$1 bytes frames
  if [[ -n "$burst" ]]; then
    echo "$burst"
    return
  fi
  bytes=$((bits * 13 / 80000))
  frames=$((2 * (mtu + 14)))
  ((bytes < 8192)) && bytes=8192
  ((bytes < frames)) && bytes=$frames
  echo "$bytes"
}

# Queue limit: about 40 ms of the rate (1 MB at 200 Mbit/s), at least 128 KiB.
limit_bytes() {
  local bits=$1 bytes
  bytes=$((bits / 200))
  ((bytes < 131072)) && bytes=131072
  echo "$bytes"
}

check_name() {
  [[ -n "${name:-}" ]] || fail "missing --name NAME"
  [[ "$name" =~ ^[a-z][a-z0-9]{0,7}$ ]] ||
    fail "bad name '$name': 1 to 8 lowercase letters or digits, starting with a letter"
}

require_tools() {
  ((EUID == 0)) || fail "needs root (network namespaces, veth pairs and qdiscs are root-only)"
  command -v ip >/dev/null || fail "needs the 'ip' command (iproute2)"
  command -v tc >/dev/null || fail "needs the 'tc' command (iproute2)"
  command -v unshare >/dev/null || fail "needs the 'unshare' command (util-linux)"
}

namespace_of() { echo "dls-$name-h$1"; }
bridge_name() { echo "dlsbr-$name"; }
outer_veth_of() { echo "dls$name-h$1"; }

# True when any address or route of this machine, or another cluster, already uses A.B.C.
prefix_in_use() {
  local prefix=$1 base other
  base=$(state_base)
  if ip -4 -o addr show | grep -q " inet $prefix\."; then return 0; fi
  if ip -4 route show | grep -q "^$prefix\."; then return 0; fi
  for other in "$base"/*/cidr; do
    [[ -f "$other" ]] || continue
    [[ "$(cut -d. -f1-3 <"$other")" == "$prefix" ]] && return 0
  done
  return 1
}

# The /24 for this cluster: --subnet if given, else 10.213.X.0/24 with X from the name's
# checksum, stepping on to the next free X if that one is taken.
choose_prefix() {
  if [[ -n "$subnet" ]]; then
    [[ "$subnet" =~ ^(10\.[0-9]{1,3}\.[0-9]{1,3}|192\.168\.[0-9]{1,3}|172\.(1[6-9]|2[0-9]|3[01])\.[0-9]{1,3})\.0/24$ ]] ||
      fail "bad --subnet '$subnet': expected a private A.B.C.0/24 (10/8, 172.16/12 or 192.168/16)"
    local prefix=${subnet%.0/24} part
    for part in ${prefix//./ }; do ((part <= 255)) || fail "bad --subnet '$subnet'"; done
    prefix_in_use "$prefix" && fail "subnet $subnet is already in use on this machine"
    echo "$prefix"
    return
  fi
  local checksum third step
  checksum=$(printf '%s' "$name" | cksum | cut -d' ' -f1)
  for ((step = 0; step < 250; step++)); do
    third=$(((checksum + step) % 250 + 1))
    if ! prefix_in_use "10.213.$third"; then
      echo "10.213.$third"
      return
    fi
  done
  fail "no free 10.213.X.0/24 subnet left"
}

write_launcher() {
  local path=$1 cgroup_base=$2 join="" reserve=""
  # With --cpus, the command first joins its host's cgroup (its CPU limit); with --comm-cpus, the
  # host's compute cgroup, and it names the comm cgroup for the ranks' communication threads. The
  # ranks see this machine's /sys only through mpirun's root (`ip netns exec` mounts a /sys of
  # the namespace's own), so the name is a path under /proc/<mpirun>/root.
  if [[ -n "$cgroup_base" && -n "$comm_cpus" ]]; then
    join="echo \$\$ > $cgroup_base/h\${host##*-h}/compute/cgroup.procs || exit 255"
    reserve="export DLSCALE_COMM_CGROUP=/proc/\$PPID/root$cgroup_base/h\${host##*-h}/comm"
  elif [[ -n "$cgroup_base" ]]; then
    join="echo \$\$ > $cgroup_base/h\${host##*-h}/cgroup.procs || exit 255"
  fi
  cat >"$path" <<LAUNCHER
#!/bin/sh
# Remote-shell agent for mpirun (--mca plm_rsh_agent) on the emulated cluster '$name'.
# Called like ssh: launcher [ssh options] HOST command...; runs the command in HOST's network
# namespace, in a fresh UTS namespace whose hostname is HOST, so every host has its own name.
while [ \$# -gt 0 ]; do
  case "\$1" in
    -[BbcDEeFIiJLlmOopQRSWw]) shift 2 ;;
    --) shift; break ;;
    -*) shift ;;
    *) break ;;
  esac
done
if [ \$# -lt 1 ]; then echo "launcher: missing host" >&2; exit 255; fi
host=\${1#*@}
shift
case "\$host" in
  dls-$name-h[0-9]*) ;;
  *) echo "launcher: '\$host' is not a host of the emulated cluster '$name'" >&2; exit 255 ;;
esac
$join
$reserve
exec ip netns exec "\$host" unshare --uts sh -c 'hostname "\$0" && exec sh -c "\$1"' "\$host" "\$*"
LAUNCHER
  chmod 755 "$path"
}

# Adds a tbf qdisc as the root of DEVICE's egress; extra leading words run it in a namespace.
add_rate_limit() {
  local device=$1 rate=$2 bits
  shift 2
  bits=$(rate_in_bits "$rate")
  "$@" tc qdisc replace dev "$device" root tbf rate "$rate" \
    burst "$(burst_bytes "$bits")" limit "$(limit_bytes "$bits")"
}

# The cgroup folder of the cluster's host CPU limits: cgroup v2 when its cpu controller is
# enabled at the root, else the v1 cpu hierarchy. Empty when neither is writable.
cpu_cgroup_base() {
  if [[ -f /sys/fs/cgroup/cgroup.subtree_control ]] && grep -qw cpu /sys/fs/cgroup/cgroup.subtree_control; then
    echo "/sys/fs/cgroup/dlscale-$name"
  elif [[ -d /sys/fs/cgroup/cpu && -w /sys/fs/cgroup/cpu ]]; then
    echo "/sys/fs/cgroup/cpu/dlscale-$name"
  elif [[ -d /sys/fs/cgroup/cpu,cpuacct && -w /sys/fs/cgroup/cpu,cpuacct ]]; then
    echo "/sys/fs/cgroup/cpu,cpuacct/dlscale-$name"
  fi
}

# Makes the cgroup FOLDER with a quota of CPUS cores over a 10 ms period (longer below 0.1 cores,
# for the kernel's shortest quota, 1 ms: 20 ms at 0.05). Shorter periods lose
# quota to the kernel's accounting: busy loops capped at 0.45 cores got 0.409 alone and 0.36-0.37
# each beside three other capped hosts over 2.223 ms (the shortest the kernel takes at 0.45),
# 0.41-0.42 over 5 ms, 0.45 both ways over 10 ms and longer. A host that computes after waiting
# on the network starts with its period's whole quota, at full speed: the longer the period,
# the more that is worth, which only windows of compute a few periods long notice.
add_cpu_limit() {
  local folder=$1 cpus=$2 quota period
  read -r quota period < <(awk -v c="$cpus" 'BEGIN {
    p = 1000 / c; p = (p == int(p)) ? p : int(p) + 1; if (p < 10000) p = 10000
    printf "%d %d\n", c * p + 0.5, p }')
  mkdir -p "$(dirname "$folder")"
  # cgroup v2 hands the cpu controller down only when the parent enables it for its children.
  if [[ -f "$(dirname "$folder")/cgroup.subtree_control" ]]; then
    echo +cpu >"$(dirname "$folder")/cgroup.subtree_control"
  fi
  mkdir -p "$folder"
  if [[ -f "$folder/cpu.max" ]]; then
    echo "$quota $period" >"$folder/cpu.max"
  else
    echo "$period" >"$folder/cpu.cfs_period_us"
    echo "$quota" >"$folder/cpu.cfs_quota_us"
  fi
}

remove_cpu_limits() {
  local base folder
  base=$(cpu_cgroup_base)
  [[ -n "$base" && -d "$base" ]] || return 0
  # A host's compute and comm cgroups (--comm-cpus) go before the host's own.
  for folder in "$base"/h*/*/ "$base"/h*/; do
    [[ -d "$folder" ]] || continue
    # A cgroup with processes left cannot be removed; move them to the parent's root first.
    while read -r pid; do echo "$pid" >"$(dirname "$base")/cgroup.procs" 2>/dev/null || true; done <"$folder/cgroup.procs"
    rmdir "$folder" 2>/dev/null || true
  done
  rmdir "$base" 2>/dev/null || true
}

cluster_up() {
  require_tools
  check_name
  [[ "$hosts" =~ ^[0-9]+$ ]] && ((hosts >= 1 && hosts <= 32)) ||
    fail "bad --hosts '$hosts': expected 1 to 32"
  rate_in_bits "$rate" >/dev/null
  [[ "$mtu" =~ ^[0-9]+$ ]] && ((mtu >= 576 && mtu <= 65000)) || fail "bad --mtu '$mtu': expected 576 to 65000 bytes"
  if [[ -n "$burst" ]]; then
    [[ "$burst" =~ ^[0-9]{1,9}$ ]] && ((burst >= 2 * (mtu + 14) && burst <= 67108864)) ||
      fail "bad --burst '$burst': expected bytes from two frames of the MTU ($((2 * (mtu + 14)))) to 67108864"
  fi
  local cgroup_base=""
  if [[ -n "$cpus" ]]; then
    [[ "$cpus" =~ ^[0-9]*\.?[0-9]+$ ]] && awk -v c="$cpus" 'BEGIN { exit !(c >= 0.1 && c <= 1024) }' ||
      fail "bad --cpus '$cpus': expected a number of cores, at least 0.1, e.g. 0.45"
    cgroup_base=$(cpu_cgroup_base)
    [[ -n "$cgroup_base" ]] || fail "--cpus needs a writable cgroup cpu controller (/sys/fs/cgroup)"
  fi
  if [[ -n "$comm_cpus" ]]; then
    [[ -n "$cpus" ]] || fail "--comm-cpus needs --cpus (the reservation is beside the host's compute cap)"
    [[ "$comm_cpus" =~ ^[0-9]*\.?[0-9]+$ ]] && awk -v c="$comm_cpus" 'BEGIN { exit !(c >= 0.01 && c <= 1024) }' ||
      fail "bad --comm-cpus '$comm_cpus': expected a number of cores, at least 0.01, e.g. 0.1"
    # cgroup v2 moves a single thread only within a threaded subtree, which is not made here.
    [[ -f "$(dirname "$cgroup_base")/cgroup.subtree_control" ]] &&
      fail "--comm-cpus needs the cgroup v1 cpu controller (this machine's is cgroup v2)"
  fi
  local dir
  dir="$(state_base)/$name"
  if [[ -f "$dir/config" ]]; then
    local existing
    existing=$(sed -n 's/^hosts=//p' "$dir/config")
    if ip netns list | grep -q "^$(namespace_of 1)\b"; then
      echo "cluster '$name' is already up ($existing hosts); run 'down' first to change it" >&2
      exit 0
    fi
    fail "cluster '$name' has a state directory but no namespaces; run 'down --name $name' first"
  fi
  ip link show "$(bridge_name)" >/dev/null 2>&1 &&
    fail "bridge $(bridge_name) exists without cluster state; run 'down --name $name' first"

  # Per-host rates: the default, then overrides.
  local -a host_rate
  local i override host
  for ((i = 1; i <= hosts; i++)); do host_rate[i]=$rate; done
  for override in "${rate_overrides[@]}"; do
    [[ "$override" =~ ^h([0-9]+)=(.+)$ ]] ||
      fail "bad --rate-of '$override': expected hI=RATE, e.g. h2=50mbit"
    host=${BASH_REMATCH[1]}
    local override_rate=${BASH_REMATCH[2]}
    ((host >= 1 && host <= hosts)) || fail "bad --rate-of '$override': no host h$host"
    rate_in_bits "$override_rate" >/dev/null
    host_rate[host]=$override_rate
  done

  if [[ -z "$slots" ]]; then
    local cores
    cores=$(nproc)
    slots=$(((cores + hosts - 1) / hosts))
    ((slots < 1)) && slots=1
  fi
  [[ "$slots" =~ ^[1-9][0-9]*$ ]] || fail "bad --slots '$slots': expected a positive integer"

  local prefix
  prefix=$(choose_prefix)
  mkdir -p "$dir"
  # Anything half-made is removed again if a step fails.
  trap 'remove_partial_cluster' EXIT

  local bridge
  bridge=$(bridge_name)
  ip link add "$bridge" type bridge
  ip link set "$bridge" mtu "$mtu"
  ip addr add "$prefix.254/24" dev "$bridge"
  ip link set "$bridge" up

  local namespace outer
  : >"$dir/hostfile.tmp"
  {
    echo "# dlscale emulated cluster; written by scripts/cluster.sh up"
    echo "name=$name"
    echo "hosts=$hosts"
    echo "rate=$rate"
    echo "slots=$slots"
    echo "cidr=$prefix.0/24"
    echo "mtu=$mtu"
    echo "cpus=$cpus"
    echo "burst=$burst"
    echo "comm_cpus=$comm_cpus"
    echo "bridge=$bridge $prefix.254"
    echo "# host namespace address rate bridge-side-veth"
  } >"$dir/config.tmp"
  for ((i = 1; i <= hosts; i++)); do
    namespace=$(namespace_of "$i")
    outer=$(outer_veth_of "$i")
    ip netns add "$namespace"
    ip link add "$outer" type veth peer name eth0 netns "$namespace"
    ip link set "$outer" mtu "$mtu"
    ip -n "$namespace" link set eth0 mtu "$mtu"
    ip link set "$outer" master "$bridge"
    ip link set "$outer" up
    ip -n "$namespace" link set lo up
    ip -n "$namespace" addr add "$prefix.$i/24" dev eth0
    ip -n "$namespace" link set eth0 up
    add_rate_limit eth0 "${host_rate[i]}" ip netns exec "$namespace"
    add_rate_limit "$outer" "${host_rate[i]}"
    if [[ -n "$comm_cpus" ]]; then
      add_cpu_limit "$cgroup_base/h$i" "$(awk -v a="$cpus" -v b="$comm_cpus" 'BEGIN { print a + b }')"
      add_cpu_limit "$cgroup_base/h$i/compute" "$cpus"
      add_cpu_limit "$cgroup_base/h$i/comm" "$comm_cpus"
    elif [[ -n "$cpus" ]]; then
      add_cpu_limit "$cgroup_base/h$i" "$cpus"
    fi
    echo "$namespace slots=$slots" >>"$dir/hostfile.tmp"
    echo "host $namespace $prefix.$i ${host_rate[i]} $outer" >>"$dir/config.tmp"
  done
  write_launcher "$dir/launcher" "$cgroup_base"
  echo "$prefix.0/24" >"$dir/cidr"
  mv "$dir/hostfile.tmp" "$dir/hostfile"
  mv "$dir/config.tmp" "$dir/config"
  trap - EXIT
  echo "cluster '$name' is up: $hosts hosts in $prefix.0/24, state in $dir"
}

remove_partial_cluster() {
  echo "$program: setting up cluster '$name' failed; removing what was made" >&2
  cluster_down >/dev/null 2>&1 || true
}

cluster_down() {
  check_name
  ((EUID == 0)) || fail "needs root (network namespaces, veth pairs and qdiscs are root-only)"
  local namespace
  # Deleting a namespace deletes its veth end, and with it the bridge-side end.
  for namespace in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^dls-$name-h[0-9]*$" || true); do
    ip netns delete "$namespace"
  done
  if ip link show "$(bridge_name)" >/dev/null 2>&1; then
    ip link delete "$(bridge_name)"
  fi
  remove_cpu_limits
  rm -rf "${state_base:?}/$name"
  rmdir "$state_base" 2>/dev/null || true
  echo "cluster '$name' is down"
}

cluster_status_one() {
  local dir config namespace address host_rate outer present
  dir="$(state_base)/$1"
  config="$dir/config"
  [[ -f "$config" ]] || fail "no cluster named '$1' (no $config)"
  echo "cluster $(sed -n 's/^name=//p' "$config"): $(sed -n 's/^cidr=//p' "$config"), slots=$(sed -n 's/^slots=//p' "$config") per host, mtu $(sed -n 's/^mtu=//p' "$config"), cpus per host $(sed -n 's/^cpus=//p' "$config" | sed 's/^$/unlimited/')$(sed -n 's/^comm_cpus=\(..*\)/ + \1 for communication/p' "$config"), tbf burst $(sed -n 's/^burst=//p' "$config" | sed 's/^$/default/'), state in $dir"
  printf '  %-16s %-16s %-10s %s\n' HOST ADDRESS RATE NAMESPACE
  while read -r _ namespace address host_rate outer; do
    present=missing
    ip netns list 2>/dev/null | grep -q "^$namespace\b" && present=present
    printf '  %-16s %-16s %-10s %s\n' "$namespace" "$address" "$host_rate" "$present"
  done < <(grep '^host ' "$config")
}

cluster_status() {
  if [[ -n "${name:-}" ]]; then
    check_name
    cluster_status_one "$name"
    return
  fi
  local base found=0 dir
  base=$(state_base)
  for dir in "$base"/*/; do
    [[ -f "$dir/config" ]] || continue
    found=1
    cluster_status_one "$(basename "$dir")"
  done
  ((found)) || echo "no emulated clusters (state in $base)"
}

main() {
  [[ $# -ge 1 ]] || fail "missing command: expected up, down or status (see --help)"
  local command=$1
  shift
  name="" hosts=4 rate=200mbit slots="" subnet="" mtu=9000 cpus="" burst="" comm_cpus=""
  rate_overrides=()
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --name) name=${2:-}; shift 2 || fail "--name needs a value" ;;
      --hosts) hosts=${2:-}; shift 2 || fail "--hosts needs a value" ;;
      --rate) rate=${2:-}; shift 2 || fail "--rate needs a value" ;;
      --rate-of) rate_overrides+=("${2:-}"); shift 2 || fail "--rate-of needs a value" ;;
      --slots) slots=${2:-}; shift 2 || fail "--slots needs a value" ;;
      --subnet) subnet=${2:-}; shift 2 || fail "--subnet needs a value" ;;
      --mtu) mtu=${2:-}; shift 2 || fail "--mtu needs a value" ;;
      --cpus) cpus=${2:-}; shift 2 || fail "--cpus needs a value" ;;
      --burst) burst=${2:-}; shift 2 || fail "--burst needs a value" ;;
      --comm-cpus) comm_cpus=${2:-}; shift 2 || fail "--comm-cpus needs a value" ;;
      -h | --help) usage; exit 0 ;;
      *) fail "unknown option '$1' (see --help)" ;;
    esac
  done
  state_base=$(state_base)
  case "$command" in
    up) cluster_up ;;
    down) cluster_down ;;
    status) cluster_status ;;
    -h | --help | help) usage ;;
    *) fail "unknown command '$command': expected up, down or status" ;;
  esac
}

main "$@"
