# Shared settings and helpers for the lab scripts (sourced, not run).
# Everything the lab makes is named "klab*" or lives in $LAB_DIR, so teardown can find all of it.

LAB_REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LAB_SRC=$LAB_REPO_ROOT/lab
LAB_DIR=${LAB_DIR:-$LAB_REPO_ROOT/.lab}
LAB_HOSTS=${LAB_HOSTS:-3}

# Network: hosts on bridge br0 inside netns $LAB_NETNS; the machine reaches them through a veth.
LAB_NETNS=klab
LAB_VETH=klab-host            # machine side of the uplink
LAB_GW_IP=10.77.255.1         # machine side: the lab servers listen here
LAB_UPLINK_IP=10.77.255.2     # netns side
LAB_HOST_NET=10.77.0.0/24
LAB_BRIDGE_IP=10.77.0.1

LAB_PROXY_PORT=3142
LAB_REPO_PORT=8080
LAB_REGISTRY_PORT=5000
LAB_REGISTRY=$LAB_GW_IP:$LAB_REGISTRY_PORT

LAB_KEY=$LAB_DIR/id_ed25519
LAB_KNOWN_HOSTS=$LAB_DIR/known_hosts
LAB_RUN=$LAB_DIR/run          # pid files of everything the lab started
LAB_FAULTS=$LAB_DIR/faults    # one directory per active fault, holding what clear restores

log() { printf '[lab] %s\n' "$*" >&2; }

# Idempotent: network namespace NS holding bridge br0 (BRIDGE_CIDR), joined to the machine by veth
# VETH (GW_IP/30 on the machine side, UPLINK_IP/30 as "uplink" inside), plus a machine route to
# HOST_NET through it. Shared by the lab (lab/hosts.sh) and the many-hosts lab (lab/many.sh).
bridged_netns_up() { # NS BRIDGE_CIDR VETH GW_IP UPLINK_IP HOST_NET
  local ns=$1 bridge=$2 veth=$3 gw=$4 uplink=$5 net=$6
  if [ ! -e "/run/netns/$ns" ]; then
    ip netns add "$ns"
    ip -n "$ns" -batch - <<EOF
link set lo up
link add br0 type bridge
addr add $bridge dev br0
link set br0 up
EOF
    ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1
  fi
  if ! ip link show "$veth" >/dev/null 2>&1; then
    ip link add "$veth" type veth peer name uplink netns "$ns"
    ip addr add "$gw/30" dev "$veth"
    ip link set "$veth" up
    ip -n "$ns" addr add "$uplink/30" dev uplink
    ip -n "$ns" link set uplink up
  fi
  [ -n "$(ip route show "$net")" ] || ip route add "$net" via "$uplink"
}
die() { printf '[lab] ERROR: %s\n' "$*" >&2; exit 1; }

host_ip() { echo "10.77.0.$((10 + $1))"; }
host_mac() { printf '52:54:00:77:00:%02x\n' $((10 + $1)); }
# machine-id and nspawn --uuid are the same value, so /etc/machine-id is stable and distinct.
host_uuid() { printf '6b6c6162-0000-4000-8000-%012d\n' "$1"; }
host_machine_id() { host_uuid "$1" | tr -d -; }
host_dir() { echo "$LAB_DIR/hosts/node$1"; }
host_index() { # node3 -> 3
  [[ $1 =~ ^node([0-9]+)$ ]] || die "unknown host '$1' (expected nodeN)"
  echo "${BASH_REMATCH[1]}"
}

# Indices of the hosts this lab has started (from their state directories), in order.
running_hosts() {
  local d
  for d in "$LAB_DIR"/hosts/node*; do [ -d "$d" ] && echo "${d##*/node}"; done | sort -n
}

pid_alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }
pidfile_alive() { [ -f "$1" ] && pid_alive "$(cat "$1")"; }

# The host's PID 1 (systemd) as seen from the machine: the nspawn child that runs in a new pid ns.
host_leader_pid() {
  local nspawn pid
  nspawn=$(cat "$(host_dir "$1")/nspawn.pid" 2>/dev/null) || return 1
  pid_alive "$nspawn" || return 1
  for pid in $(pgrep -P "$nspawn"); do
    if [ "$(readlink /proc/$pid/ns/pid)" != "$(readlink /proc/self/ns/pid)" ]; then echo "$pid"; return 0; fi
  done
  return 1
}

# Run a shell script (stdin) inside host N, in all of its namespaces, as its root.
host_sh() {
  local leader
  leader=$(host_leader_pid "$1") || die "node$1 is not running"
  nsenter -t "$leader" -m -u -i -n -p -- /bin/sh -s
}

lab_ssh_opts() {
  echo "-i $LAB_KEY -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=$LAB_KNOWN_HOSTS -o ConnectTimeout=3"
}
