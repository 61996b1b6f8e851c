#!/bin/bash
# npm run lab:many:up / lab:many:down — LAB_MANY (default 50) light hosts for the benchmarks.
#
# A light host is one `sshd -D` in its own network namespace kmany-N (own address, MAC, host key),
# plus its own UTS namespace (hostname manyN) and private mount namespace (its own /etc/machine-id
# and /sys/class/net), so the identity facts kinstall's preflight compares differ per host.
# Everything else (filesystem, /proc, the rest of /sys, packages) is the machine's: this mode
# exercises SSH fan-out and the facts round trip, not installs. Root login by the lab key only,
# host keys checked against a known_hosts written from the key files.
#
# Network (separate from the 3-host lab's klab/10.77): netns kmany holds bridge br0 (10.78.0.1/18);
# each host's eth0 is a veth whose peer mhN sits on that bridge; veth kmany-host (10.78.255.1/30)
# <-> uplink (10.78.255.2) links the machine to kmany, with one route 10.78.0.0/18. Traffic never
# leaves namespaces this script creates. See docs/lab.md, "Many hosts".
#
# State: LAB_DIR/many. Host keys (keys/) are kept between runs (key generation is the slow part);
# everything else is removed by down.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

LAB_MANY=${LAB_MANY:-50}
# Slot 0 is the benchmarks' many-hosts lab; the test uses slot 1 so it can run beside a benchmark
# without touching its hosts. Slot s: hosts in 10.78.(64s).0/18, uplink 10.78.(255-s).0/30.
slot_given=${LAB_MANY_SLOT+yes}
LAB_MANY_SLOT=${LAB_MANY_SLOT:-0}
[[ $LAB_MANY_SLOT =~ ^[0-2]$ ]] || die "LAB_MANY_SLOT must be 0, 1 or 2"
slot_suffix=${LAB_MANY_SLOT#0}
MANY_DIR=$LAB_DIR/many$slot_suffix
MANY_KEYS=$MANY_DIR/keys
MANY_RUN=$MANY_DIR/run
MANY_NETNS=kmany$slot_suffix
MANY_HOST_NETNS_PREFIX=$MANY_NETNS-
MANY_VETH=$MANY_NETNS-host
MANY_GW_IP=10.78.$((255 - LAB_MANY_SLOT)).1
MANY_UPLINK_IP=10.78.$((255 - LAB_MANY_SLOT)).2
MANY_NET_BASE=$((64 * LAB_MANY_SLOT))
MANY_BRIDGE_IP=10.78.$MANY_NET_BASE.1
MANY_PREFIX=18
MANY_NET=10.78.$MANY_NET_BASE.0/$MANY_PREFIX
MANY_KNOWN_HOSTS=$MANY_DIR/known_hosts
MANY_MAX=1000
K8S_VERSION=1.28.15

# Per-host names and addresses as arrays filled once by plan_hosts: up runs for 50+ hosts and a
# $(function) per use would fork thousands of subshells.
declare -a NAME NS IP MAC MID KEY PIDFILE
plan_hosts() {
  local i
  for i in $(seq 1 "$1"); do
    NAME[i]=many$i
    NS[i]=$MANY_HOST_NETNS_PREFIX$i
    # 200 hosts per /24 starting at .10: never .0/.255, never the bridge's .1.
    IP[i]=10.78.$((MANY_NET_BASE + i / 200)).$((10 + i % 200))
    printf -v 'MAC[i]' '52:54:%02x:78:%02x:%02x' "$LAB_MANY_SLOT" $((i >> 8)) $((i & 255))
    printf -v 'MID[i]' '6b6d616e79%06x%016x' "$LAB_MANY_SLOT" "$i"
    KEY[i]=$MANY_KEYS/many$i/ssh_host_ed25519_key
    PIDFILE[i]=$MANY_RUN/many$i.pid
  done
}

# SSHD_PID := the pid in host $1's pid file, only if that process is still our sshd (a pid file
# can outlive its process, and the pid be reused).
sshd_pid_of() {
  local comm
  SSHD_PID=
  { read -r SSHD_PID <"$MANY_RUN/many$1.pid" && read -r comm <"/proc/$SSHD_PID/comm"; } 2>/dev/null || return 1
  [ "$comm" = sshd ] || { SSHD_PID=; return 1; }
}

# Host indices that have a network namespace now (whatever LAB_MANY says).
existing_hosts() {
  ip netns list | awk -v p="$MANY_HOST_NETNS_PREFIX" 'index($1, p) == 1 {print substr($1, length(p) + 1)}' | sort -n
}

many_ssh_opts() {
  echo "-i $LAB_KEY -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=$MANY_KNOWN_HOSTS -o ConnectTimeout=3"
}

elapsed_since() { local ms=$(($(date +%s%3N) - $1)); echo "$((ms / 1000)).$((ms % 1000 / 100)) s"; }

network_up() {
  bridged_netns_up "$MANY_NETNS" "$MANY_BRIDGE_IP/$MANY_PREFIX" "$MANY_VETH" "$MANY_GW_IP" "$MANY_UPLINK_IP" "$MANY_NET"
}

# Namespaces and links for the given host indices, batched: one ip process per step, not per host.
add_host_networks() {
  [ $# -gt 0 ] || return 0
  local i
  for i in "$@"; do echo "netns add ${NS[i]}"; done | ip -batch -
  for i in "$@"; do
    echo "link add mh$i netns $MANY_NETNS type veth peer name eth0 address ${MAC[i]} netns ${NS[i]}"
  done | ip -batch -
  for i in "$@"; do echo "link set mh$i master br0 up"; done | ip -n "$MANY_NETNS" -batch -
  for i in "$@"; do
    ip -n "${NS[i]}" -batch - <<EOF
link set lo up
addr add ${IP[i]}/$MANY_PREFIX dev eth0
link set eth0 up
route add default via $MANY_BRIDGE_IP
EOF
  done
}

ensure_host_keys() {
  local i k pids=()
  for i in $(seq 1 "$LAB_MANY"); do
    k=${KEY[i]}
    [ -s "$k" ] && [ -s "$k.pub" ] && continue
    mkdir -p "${k%/*}"
    rm -f "$k" "$k.pub"
    ssh-keygen -q -t ed25519 -N '' -C "${NAME[i]}" -f "$k" & pids+=($!)
  done
  for i in "${pids[@]}"; do wait "$i"; done
}

write_sshd_config() {
  install -m 600 "$LAB_KEY.pub" "$MANY_DIR/authorized_keys"
  # One config for every host; each sshd gets its host key with -h and lives alone in its netns,
  # so listening on all addresses means its own address (and its own loopback) only.
  cat >"$MANY_DIR/sshd_config" <<EOF
# Written by lab/many.sh: shared by every many-hosts sshd.
ListenAddress 0.0.0.0
PidFile none
AllowUsers root
PermitRootLogin prohibit-password
AuthorizedKeysFile $MANY_DIR/authorized_keys
# The key file lives in the checkout, which may sit below a world-writable directory such as /tmp;
# StrictModes would then refuse it. The file itself is written 0600 by this script.
StrictModes no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
UseDNS no
PrintMotd no
X11Forwarding no
Subsystem sftp internal-sftp
# Benchmarks open many sessions at once; sshd's default 10:30:100 would drop some of them.
MaxStartups 200
MaxSessions 50
EOF
}

start_host() {
  local i=$1 name
  name=${NAME[i]}
  sshd_pid_of "$i" && return 0
  echo "${MID[i]}" >"$MANY_RUN/$name.machine-id"
  mkdir -p "$MANY_RUN/$name.sys"
  # A private mount namespace per host carries its identity: /etc/machine-id, and the host's own
  # network devices under /sys/class/net and /sys/devices/virtual/net (from a sysfs mounted inside
  # its netns). The rest of /sys stays the machine's, so /sys/fs/cgroup looks like a real host's
  # ("ip netns exec" would replace all of /sys and lose the cgroup mounts). These mounts exist only
  # in that namespace and vanish with the host's processes.
  # setsid, nsenter, unshare and sh all exec, so $! ends up being sshd itself.
  # shellcheck disable=SC2016
  setsid nsenter --net="/run/netns/${NS[i]}" unshare --uts --mount --propagation private \
    /bin/sh -c 'set -e
      echo "$1" >/proc/sys/kernel/hostname
      mount --bind "$2" /etc/machine-id
      mount -t sysfs kmany-sysfs "$3"
      mount --bind "$3/class/net" /sys/class/net
      mount --bind "$3/devices/virtual/net" /sys/devices/virtual/net
      umount -l "$3"
      exec /usr/sbin/sshd -D -f "$4" -h "$5" -E "$6"' \
    sh "$name" "$MANY_RUN/$name.machine-id" "$MANY_RUN/$name.sys" "$MANY_DIR/sshd_config" "${KEY[i]}" "$MANY_RUN/$name.log" \
    </dev/null >>"$MANY_RUN/$name.log" 2>&1 &
  echo $! >"${PIDFILE[i]}"
}

# Ready = the sshd answers with its banner; a full login per host would cost ~100 ms of CPU each.
wait_for_banner() {
  local i=$1 t=0 ip=${IP[i]} banner fd= pid
  until { exec {fd}<>"/dev/tcp/$ip/22"; } 2>/dev/null && read -r -t 2 banner <&"$fd" && [[ $banner == SSH-2.0-* ]]; do
    [ -n "${fd:-}" ] && exec {fd}>&-
    fd=
    t=$((t + 1))
    [ $t -lt 100 ] || die "${NAME[i]}: no sshd banner on $ip after 10 s (see $MANY_RUN/${NAME[i]}.log)"
    # Not sshd_pid_of: until the wrapper has exec'd, the process is not called sshd yet.
    read -r pid <"${PIDFILE[i]}" && running "$pid" || die "${NAME[i]}: sshd exited (see $MANY_RUN/${NAME[i]}.log)"
    sleep 0.1
  done
  exec {fd}>&-
}

# known_hosts from the key files themselves (no trust-on-first-use scan).
write_known_hosts() {
  local i type key tmp=$MANY_KNOWN_HOSTS.tmp
  for i in $(seq 1 "$LAB_MANY"); do
    read -r type key _ <"${KEY[i]}.pub"
    printf '%s,%s %s %s\n' "${NAME[i]}" "${IP[i]}" "$type" "$key"
  done >"$tmp"
  mv "$tmp" "$MANY_KNOWN_HOSTS"
}

write_inventory() {
  local i role
  {
    cat <<YML
# Written by lab/many.sh (lab:many:up) for the benchmarks; regenerated on every up.
# No package repository or registry runs in many-hosts mode: the repositories below point at the
# many lab's gateway, where nothing listens, so mirror probes fail fast instead of leaving the lab.
apiVersion: kinstall/v1alpha1
kind: Cluster
metadata:
  name: many
ssh:
  user: root
  identityFile: $LAB_KEY
  knownHostsFile: $MANY_KNOWN_HOSTS
  hostKeyPolicy: strict
hosts:
YML
    for i in $(seq 1 "$LAB_MANY"); do
      role=worker; [ "$i" = 1 ] && role=control-plane
      printf '  - name: %s\n    address: %s\n    roles: [%s]\n' "${NAME[i]}" "${IP[i]}" "$role"
    done
    cat <<YML
kubernetes:
  version: $K8S_VERSION
  imageRepository: $MANY_GW_IP:5000/google_containers
  packageRepository: http://$MANY_GW_IP:8080/core/stable
YML
  } >"$MANY_DIR/inventory.yaml"
}

write_hosts_json() {
  local i sep pid
  {
    printf '{\n  "labDir": "%s",\n  "manyDir": "%s",\n  "hosts": [\n' "$LAB_DIR" "$MANY_DIR"
    for i in $(seq 1 "$LAB_MANY"); do
      sep=,; [ "$i" = "$LAB_MANY" ] && sep=
      read -r pid <"${PIDFILE[i]}"
      printf '    {"name": "%s", "address": "%s", "mac": "%s", "machineId": "%s", "netns": "%s", "hostKey": "%s", "sshdPid": %s}%s\n' \
        "${NAME[i]}" "${IP[i]}" "${MAC[i]}" "${MID[i]}" "${NS[i]}" \
        "${KEY[i]}.pub" "$pid" "$sep"
    done
    cat <<JSON
  ],
  "user": "root",
  "identityFile": "$LAB_KEY",
  "knownHostsFile": "$MANY_KNOWN_HOSTS",
  "inventory": "$MANY_DIR/inventory.yaml",
  "gateway": "$MANY_GW_IP",
  "network": "$MANY_NET",
  "netns": "$MANY_NETNS"
}
JSON
  } >"$MANY_DIR/hosts.json"
}

# Alive and not a zombie: our sshds are reparented to the machine's init when up exits, and a
# zombie waiting to be reaped there must not count as a process still running.
running() {
  local stat
  read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
  stat=${stat##*) }
  [ "${stat%% *}" != Z ]
}

# Stop hosts: its sshd by pid, then anything else still in its netns (open sessions), with a
# deadline before SIGKILL; then the netns itself (which also removes its veth pair).
stop_hosts() {
  [ $# -gt 0 ] || return 0
  local i pid pids=() t=0
  for i in "$@"; do
    sshd_pid_of "$i" && pids+=("$SSHD_PID")
    pids+=($(ip netns pids "${NS[i]}" 2>/dev/null || true))
  done
  [ ${#pids[@]} -gt 0 ] && { kill "${pids[@]}" 2>/dev/null || true; }
  while :; do
    local alive=()
    for pid in "${pids[@]}"; do running "$pid" && alive+=("$pid"); done
    [ ${#alive[@]} -eq 0 ] && break
    t=$((t + 1))
    if [ $t -ge 50 ]; then
      log "many hosts: ${#alive[@]} processes ignored SIGTERM for 5 s, killing them: ${alive[*]}"
      kill -9 "${alive[@]}" 2>/dev/null || true
      sleep 0.2
      break
    fi
    sleep 0.1
  done
  for i in "$@"; do echo "netns del ${NS[i]}"; done | ip -batch - 2>/dev/null || true
  for i in "$@"; do echo "${PIDFILE[i]}"; done | xargs rm -f
}

# Print each trace of many-hosts mode still on the machine; exit 1 if any.
mounted_under() { awk -v dir="$1" 'index($5, dir) == 1 {print $5}' /proc/self/mountinfo; }

check_clean() {
  local left=0 p
  leftover() { log "LEFTOVER $1: $2"; left=1; }
  # Ours: every sshd runs with our sshd_config, every wrapper with paths in run/. ssh clients that
  # merely use our known_hosts are not. The paths travel in the environment: in awk's arguments,
  # awk would find itself.
  while read -r p; do leftover process "$p"; done < <(ps -eo pid=,args= |
    C="$MANY_DIR/sshd_config" R="$MANY_RUN/" awk 'index($0, ENVIRON["C"]) || index($0, ENVIRON["R"])')
  while read -r p; do leftover netns "$p"; done < <(ip netns list | awk -v n="$MANY_NETNS" '$1 == n || index($1, n "-") == 1 {print $1}')
  while read -r p; do leftover mount "$p"; done < <(mounted_under "$MANY_DIR/")
  ip link show "$MANY_VETH" >/dev/null 2>&1 && leftover link "$MANY_VETH"
  while read -r p; do leftover route "$p"; done < <(ip route show "$MANY_NET"; ip route show "${MANY_GW_IP%.1}.0/30")
  while read -r p; do leftover address "$p"; done < <(ip -br addr | grep -F " $MANY_GW_IP/" || true)
  return $left
}

many_up() {
  [[ $LAB_MANY =~ ^[0-9]+$ ]] && [ "$LAB_MANY" -ge 1 ] && [ "$LAB_MANY" -le $MANY_MAX ] || die "LAB_MANY must be 1..$MANY_MAX"
  [ -x /usr/sbin/sshd ] || die "/usr/sbin/sshd missing: apt-get install openssh-server (see lab/host-packages.txt)"
  local started i missing=() extra=()
  started=$(date +%s%3N)
  mkdir -p "$MANY_DIR" "$MANY_KEYS" "$MANY_RUN" /run/sshd
  [ -f "$LAB_KEY" ] || ssh-keygen -q -t ed25519 -N '' -C kinstall-lab -f "$LAB_KEY"
  ensure_host_keys
  write_sshd_config
  network_up

  # A smaller LAB_MANY than what runs: the extra hosts go away (and out of the inventory).
  for i in $(existing_hosts); do [ "$i" -gt "$LAB_MANY" ] && extra+=("$i"); done
  stop_hosts "${extra[@]}"
  local have=" $(existing_hosts | tr '\n' ' ') "
  for i in $(seq 1 "$LAB_MANY"); do [[ $have == *" $i "* ]] || missing+=("$i"); done
  add_host_networks "${missing[@]}"
  for i in $(seq 1 "$LAB_MANY"); do start_host "$i"; done
  for i in $(seq 1 "$LAB_MANY"); do wait_for_banner "$i"; done

  write_known_hosts
  write_inventory
  write_hosts_json
  # One real login with strict host key checking proves key, known_hosts and the per-host identity.
  # shellcheck disable=SC2046
  [ "$(ssh $(many_ssh_opts) root@"${IP[1]}" 'cat /proc/sys/kernel/hostname' 2>&1)" = many1 ] ||
    die "many1: root ssh with host key check failed (see $MANY_RUN/many1.log)"
  log "many hosts up: $LAB_MANY hosts in $(elapsed_since "$started"); inventory: $MANY_DIR/inventory.yaml"
}

many_down() {
  local started hosts
  started=$(date +%s%3N)
  hosts=$(existing_hosts)
  # shellcheck disable=SC2086
  stop_hosts $hosts
  # sshds whose netns is already gone (a half-finished down) are still found by their pid files.
  for f in "$MANY_RUN"/*.pid; do
    [ -f "$f" ] || continue
    i=${f##*/many}; i=${i%.pid}
    sshd_pid_of "$i" && { kill "$SSHD_PID" 2>/dev/null || true; sleep 0.5; kill -9 "$SSHD_PID" 2>/dev/null || true; }
  done
  ip route del "$MANY_NET" 2>/dev/null || true
  ip link del "$MANY_VETH" 2>/dev/null || true
  ip netns del "$MANY_NETNS" 2>/dev/null || true
  # The per-host sysfs mount points are plain directories here (their mounts live in the hosts'
  # private namespaces); never rm -r through a mount that leaked anyway.
  if [ -n "$(mounted_under "$MANY_DIR/")" ]; then check_clean; die "mounts left under $MANY_DIR"; fi
  rm -rf "$MANY_RUN" "$MANY_DIR/inventory.yaml" "$MANY_DIR/hosts.json" "$MANY_KNOWN_HOSTS" \
    "$MANY_DIR/sshd_config" "$MANY_DIR/authorized_keys"
  check_clean || die "many hosts down: leftovers above"
  [ -z "$hosts" ] || log "many hosts down: $(echo "$hosts" | wc -l) hosts in $(elapsed_since "$started"); nothing left"
}

# Every index a host can have, so down also finds hosts of an earlier, larger LAB_MANY.
plan_hosts "$MANY_MAX"
case ${1:-} in
  up) [ "$(id -u)" = 0 ] || die "many-hosts mode needs root (network namespaces)"; many_up ;;
  down)
    [ "$(id -u)" = 0 ] || die "many-hosts mode needs root (network namespaces)"
    # Without an explicit slot (npm run lab:many:down, lab/down.sh), every slot goes: nothing of
    # many-hosts mode may outlive a lab teardown.
    if [ -n "$slot_given" ]; then many_down; else
      rc=0
      for s in 0 1 2; do LAB_MANY_SLOT=$s "$0" down || rc=1; done
      exit $rc
    fi ;;
  *) die "usage: lab/many.sh up|down   (LAB_MANY=N hosts, default 50)" ;;
esac
