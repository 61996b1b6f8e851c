# Lab hosts node1..N (sourced): systemd-nspawn containers with systemd as PID 1, on bridge br0
# inside netns $LAB_NETNS, each on its own overlayfs root over the base of its (suite, profile)
# in $LAB_DIR/bases (lab/hosts/build-base.sh), as $LAB_PLAN says.

CGROUP_V1_CONTROLLERS="cpu cpuacct cpuset memory devices freezer blkio pids"

network_up() {
  bridged_netns_up "$LAB_NETNS" "$LAB_BRIDGE_IP/24" "$LAB_VETH" "$LAB_GW_IP" "$LAB_UPLINK_IP" "$LAB_HOST_NET"
  # The lab's hosts reach the machine's servers (and the apt proxy's upstream) through the uplink.
  ip -n "$LAB_NETNS" route replace default via "$LAB_GW_IP"
  # The fronts' own addresses: local to the machine, reached by the hosts through that route.
  local a
  for a in "$LAB_FRONT_PKGS_IP" "$LAB_FRONT_REGISTRY_IP" "$LAB_DNS_IP" "$LAB_CDN_PKGS_IP" "$LAB_CDN_REGISTRY_IP" "$LAB_FRONT_DOCKERHUB_IP"; do
    ip addr replace "$a/32" dev "$LAB_VETH"
  done
}

# A writable cgroup v1 subtree per host (the machine is cgroup v1/hybrid; see klab-preinit).
host_cgroup_binds() {
  local i=$1 c rel d
  [ -d /sys/fs/cgroup/cpu ] || return 0
  for c in $CGROUP_V1_CONTROLLERS; do
    rel=$(awk -F: -v c="$c" '$2==c {print $3}' /proc/self/cgroup)
    d=/sys/fs/cgroup/$c${rel%/}/klab-node$i
    mkdir -p "$d"
    if [ "$c" = cpuset ]; then cat "$d/../cpuset.cpus" >"$d/cpuset.cpus"; cat "$d/../cpuset.mems" >"$d/cpuset.mems"; fi
    printf ' --bind=%s:/.klab-cg/%s' "$d" "$c"
  done
}

# Per-host state that must differ between hosts goes into the host's own overlay before boot.
prepare_host_root() {
  local i=$1 root=$2 name=node$i u
  cat >"$root/etc/klab.conf" <<CONF
NAME=$name
IP=$(host_ip "$i")
MAC=$(host_mac "$i")
GW=$LAB_BRIDGE_IP
PROXY=http://$LAB_GW_IP:$LAB_PROXY_PORT
DIRECT_HOSTS="$LAB_GW_IP $LAB_FRONT_PKGS_IP $LAB_FRONT_REGISTRY_IP"
CONF
  echo "$name" >"$root/etc/hostname"
  host_machine_id "$i" >"$root/etc/machine-id"
  ssh-keygen -q -A -f "$root" >/dev/null
  for u in root deploy ops; do
    local home=/home/$u; [ $u = root ] && home=/root
    install -d -m 700 "$root$home/.ssh"
    install -m 600 "$LAB_KEY.pub" "$root$home/.ssh/authorized_keys"
    chroot "$root" chown -R "$u:$u" "$home/.ssh"
  done
  printf 'ops:%s\n' "$(cat "$LAB_DIR/ops-password")" | chroot "$root" chpasswd
  # apt would send https through the http proxy too (CONNECT): the real names are lab addresses,
  # reached directly, and the proxy must never be asked to reach the public ones.
  echo 'Acquire::https::Proxy "DIRECT";' >"$root/etc/apt/apt.conf.d/02klab-https-direct"
  # Names through the lab DNS only (it has no upstream: nothing resolves outside the lab), and
  # the lab CA trusted like a site CA: a file in /usr/local/share/ca-certificates, and in the
  # bundle apt, curl and Go (containerd) read, as update-ca-certificates would put it.
  echo "nameserver $LAB_DNS_IP" >"$root/etc/resolv.conf"
  install -D -m 644 "$LAB_CA/ca.crt" "$root/usr/local/share/ca-certificates/klab-ca.crt"
  if [ -f "$root/etc/ssl/certs/ca-certificates.crt" ]; then cat "$LAB_CA/ca.crt" >>"$root/etc/ssl/certs/ca-certificates.crt"; fi
}

# Host N's cgroup v1 subtrees (host_cgroup_binds), emptied and removed once the host has stopped.
# A host booted into the subtree its predecessor left (another release's systemd, its slices and
# scopes still there) comes up "degraded": every boot starts from fresh subtrees.
remove_host_cgroups() {
  local i=$1 d pid
  for d in $(find /sys/fs/cgroup -maxdepth 6 -type d -name "klab-node$i" 2>/dev/null); do
    # Stragglers of a host that is not running any more (nothing else lives in its subtree).
    for pid in $(find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
}

host_running() { [ -f "$(host_dir "$1")/nspawn.pid" ] && pidfile_alive "$(host_dir "$1")/nspawn.pid"; }

# Stop host N and discard its state (overlay upper dir, containerd dir).
remove_host() {
  stop_host "$1"
  mountpoint -q "$(host_dir "$1")/root" && umount "$(host_dir "$1")/root"
  rm -rf "$(host_dir "$1")"
}

start_host() {
  local i=$1 d suite profile shape
  d=$(host_dir "$i")
  suite=$(plan_field "$i" 2) profile=$(plan_field "$i" 3)
  shape="$suite $profile $(cat "$(base_dir "$suite" "$profile")/.klab-recipe")"
  # A running host of another release or profile than the plan asks for, or on a base that has
  # been rebuilt since it booted, is replaced.
  if host_running "$i" && [ "$(cat "$d/shape" 2>/dev/null)" != "$shape" ]; then remove_host "$i"; fi
  host_running "$i" && return 0
  # Anything left from a crashed run is discarded: a host always boots from the clean base, in
  # fresh cgroup subtrees.
  mountpoint -q "$d/root" && umount "$d/root"
  rm -rf "$d"
  remove_host_cgroups "$i"
  mkdir -p "$d/upper" "$d/work" "$d/root" "$d/containerd"
  echo "$shape" >"$d/shape"
  mount -t overlay klab-node$i -o "lowerdir=$(base_dir "$suite" "$profile"),upperdir=$d/upper,workdir=$d/work" "$d/root"
  prepare_host_root "$i" "$d/root"
  # nsenter, not "ip netns exec": the latter remounts /sys and nspawn then cannot detect cgroups.
  # /var/lib/containerd is a plain directory, not overlayfs, or containerd's snapshotter fails.
  # shellcheck disable=SC2046
  setsid nsenter --net="/run/netns/$LAB_NETNS" systemd-nspawn -q --kill-signal=SIGRTMIN+3 \
    --register=no --keep-unit --resolv-conf=off -D "$d/root" -M "node$i" --uuid="$(host_uuid "$i")" \
    --network-bridge=br0 --bind="$d/containerd:/var/lib/containerd" $(host_cgroup_binds "$i") \
    --capability=all --system-call-filter='@mount @privileged @keyring bpf' \
    --console=read-only /usr/local/sbin/klab-preinit >"$d/console.log" 2>&1 </dev/null &
  echo $! >"$d/nspawn.pid"
}

# known_hosts from the host key files themselves (no trust-on-first-use scan).
write_known_hosts() {
  local i k tmp=$LAB_KNOWN_HOSTS.tmp
  : >"$tmp"
  for i in $(plan_hosts); do
    for k in "$(host_dir "$i")"/root/etc/ssh/ssh_host_*_key.pub; do
      printf 'node%s,%s %s\n' "$i" "$(host_ip "$i")" "$(cut -d' ' -f1-2 "$k")" >>"$tmp"
    done
  done
  mv "$tmp" "$LAB_KNOWN_HOSTS"
}

wait_for_ssh() {
  local i=$1 t=0 ip; ip=$(host_ip "$i")
  # shellcheck disable=SC2046
  until [ "$(ssh $(lab_ssh_opts) root@"$ip" hostname 2>/dev/null)" = "node$i" ]; do
    t=$((t + 1))
    [ $t -lt 120 ] || die "node$i: no ssh on $ip after 60 s (see $(host_dir "$i")/console.log)"
    host_running "$i" || die "node$i: systemd-nspawn exited (see $(host_dir "$i")/console.log)"
    sleep 0.5
  done
}

stop_host() {
  local i=$1 d pid leader t=0
  d=$(host_dir "$i")
  pid=$(cat "$d/nspawn.pid" 2>/dev/null || true)
  if pid_alive "$pid"; then
    leader=$(host_leader_pid "$i" || true)
    kill "$pid" 2>/dev/null || true # nspawn asks the host's systemd to power off
    # A shutdown can hang in systemd-halt: after 10 s kill that host's systemd, then nspawn.
    while pid_alive "$pid"; do
      t=$((t + 1))
      if [ $t -ge 100 ]; then
        log "node$i: clean shutdown exceeded 10 s, killing it"
        [ -n "$leader" ] && kill -9 "$leader" 2>/dev/null
        kill -9 "$pid" 2>/dev/null
      fi
      sleep 0.1
    done
  fi
  rm -f "$d/nspawn.pid"
}
