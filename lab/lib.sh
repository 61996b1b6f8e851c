# Shared settings and helpers for the lab scripts (sourced, not run).
# Everything the lab makes is named "klab*" or lives in $LAB_DIR, so teardown can find all of it.

LAB_REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LAB_SRC=$LAB_REPO_ROOT/lab
LAB_DIR=${LAB_DIR:-$LAB_REPO_ROOT/.lab}
# Which hosts: LAB_OS="bookworm trixie/minimal ..." (one word per host, suite[/profile]) or a
# shape from lab/hosts/shapes.tsv (LAB_SHAPE, default "default"); LAB_HOSTS trims or extends it.
LAB_SHAPE=${LAB_SHAPE:-default}
LAB_HOSTS=${LAB_HOSTS:-}
LAB_TABLES=$LAB_SRC/hosts
LAB_PLAN=$LAB_DIR/plan        # the running lab's hosts: "N suite profile role" per line

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
# Redirecting fronts (lab/services/fronts.py), each on its own machine address so a redirect goes
# to a different host:port, as pkgs.k8s.io (302 to its CDN) and registry.k8s.io (307) do.
LAB_FRONT_PKGS_IP=10.77.254.10      # :80 by address; :443 as pkgs.k8s.io
LAB_FRONT_REGISTRY_IP=10.77.254.20  # :80 by address; :443 as registry.k8s.io
# The real names: a lab DNS (dnsmasq, no upstream) answers them with lab addresses only, and the
# fronts serve HTTPS with a certificate from the lab CA (LAB_DIR/ca) that every host trusts.
LAB_DNS_IP=10.77.254.53
LAB_CDN_PKGS_IP=10.77.254.11        # :443 the packages "CDN" (files of LAB_DIR/repo)
LAB_CDN_REGISTRY_IP=10.77.254.21    # :443 the registry "CDN" (docker-registry over TLS, same storage)
LAB_FRONT_DOCKERHUB_IP=10.77.254.22 # :443 as registry-1.docker.io (docker.io's registry host)
LAB_CDN_PKGS_NAME=pkgs-cdn.klab.internal
LAB_CDN_REGISTRY_NAME=registry-cdn.klab.internal
# name=address pairs the lab DNS answers (and the server certificate's names).
LAB_NAMES="pkgs.k8s.io=$LAB_FRONT_PKGS_IP registry.k8s.io=$LAB_FRONT_REGISTRY_IP registry-1.docker.io=$LAB_FRONT_DOCKERHUB_IP $LAB_CDN_PKGS_NAME=$LAB_CDN_PKGS_IP $LAB_CDN_REGISTRY_NAME=$LAB_CDN_REGISTRY_IP"
LAB_CA=$LAB_DIR/ca            # lab CA and the fronts' certificate; kept between runs

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

# Rows of a lab table (lab/hosts/*.tsv, *.txt) without comments and blank lines.
lab_table() { grep -v '^[[:space:]]*#' "$LAB_TABLES/$1" | awk 'NF'; }

# The hosts asked for, one "N suite profile role" line each (see shapes.tsv); dies on unknown
# suites, profiles or shapes, naming the table to add a row to.
lab_requested_plan() {
  local rows n=0 suite profile role w
  if [ -n "${LAB_OS:-}" ]; then
    rows=$(for w in $LAB_OS; do
      profile=${LAB_PROFILE:-full}; [[ $w == */* ]] && profile=${w#*/}
      echo "${w%%/*} $profile worker"
    done | awk 'NR == 1 {$3 = "control-plane"} {print}')
  else
    rows=$(lab_table shapes.tsv | awk -v s="$LAB_SHAPE" '$1 == s {print $2, $3, $4}')
    [ -n "$rows" ] || die "unknown LAB_SHAPE '$LAB_SHAPE' (shapes: $(lab_table shapes.tsv | awk '{print $1}' | uniq | paste -sd' '); add rows to lab/hosts/shapes.tsv)"
  fi
  if [ -n "$LAB_HOSTS" ]; then
    [[ $LAB_HOSTS =~ ^[0-9]+$ ]] && [ "$LAB_HOSTS" -ge 1 ] && [ "$LAB_HOSTS" -le 200 ] || die "LAB_HOSTS must be 1..200"
    rows=$(echo "$rows" | awk -v n="$LAB_HOSTS" '{r[NR] = $0; last = $1 " " $2 " worker"}
      END {for (i = 1; i <= n; i++) print (i <= NR ? r[i] : last)}')
  fi
  while read -r suite profile role; do
    n=$((n + 1))
    lab_table releases.tsv | awk -v s="$suite" '$1 == s {f = 1} END {exit !f}' \
      || die "node$n: unknown OS release '$suite' (add a row to lab/hosts/releases.tsv)"
    lab_table profiles.tsv | awk -v p="$profile" '$1 == p {f = 1} END {exit !f}' \
      || die "node$n: unknown profile '$profile' (add a row to lab/hosts/profiles.tsv)"
    echo "$n $suite $profile $role"
  done <<<"$rows"
}

# Fields of host N in the running lab's plan.
plan_hosts() { awk '{print $1}' "$LAB_PLAN"; }
plan_field() { awk -v n="$1" -v f="$2" '$1 == n {print $f}' "$LAB_PLAN"; } # N, 2=suite 3=profile 4=role
base_dir() { echo "$LAB_DIR/bases/$1-$2"; } # suite profile

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

# A zombie counts as gone: lab servers outlive the up.sh that started them, and their reaper
# (whatever adopted them) may take seconds to collect them, which down.sh would wait for.
pid_alive() {
  [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null || return 1
  local stat; stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) } # the fields after "(comm) ", the first being the state
  [ "${stat:0:1}" != Z ]
}
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
