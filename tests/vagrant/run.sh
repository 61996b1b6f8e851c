#!/bin/bash
# npm run test:vagrant — kinstall against real VMs (Vagrant + vagrant-libvirt + QEMU) on this
# machine, installing from the project's lab (apt repository, registry mirror, apt proxy).
#
# Network: libvirtd, its bridges and the VMs live in network namespace kvag, made by this script.
# Its only way out is a veth to the machine, routing just the lab servers' /32 (10.77.255.1);
# every network in it is isolated (no NAT). Vagrant, ssh-keyscan and kinstall run inside kvag.
# Always (trap): destroy the VMs, stop libvirtd/virtlogd, remove the namespace, veth and route.
#
# Settings: KINSTALL_WORKERS (default 1), KINSTALL_VAGRANT_SKIP_UP=1 (preflight only),
# KINSTALL_LIBVIRT_DRIVER (default qemu: plain emulation; kvm where /dev/kvm runs stock kernels),
# KINSTALL_VAGRANT_KEEP=1 (leave the VMs, libvirtd and the namespace running to look around;
# `tests/vagrant/run.sh down` removes them, as a normal run's teardown does).
set -euo pipefail
. "$(dirname "$0")/../../vagrant/lib.sh"

[ "$(id -u)" = 0 ] || die "the Vagrant stage needs root (network namespace, libvirtd)"

NS=kvag
VETH=kvag-host                # machine side; kvag-up is the namespace side
# A /30 no other part of the project uses (the lab: 10.77.0.0/16, the many-host lab: 10.78.0.0/16).
VETH_NET_HOST=10.213.255.1
VETH_NET_NS=10.213.255.2
LAB_SERVER=10.77.255.1        # the lab's apt proxy :3142, apt repository :8080, registry :5000
export KINSTALL_NET=192.168.56          # as in inventories/vagrant-lab.yaml
export KINSTALL_WORKERS=${KINSTALL_WORKERS:-1}
export KINSTALL_LIBVIRT_DRIVER=${KINSTALL_LIBVIRT_DRIVER:-qemu}
export KINSTALL_WORKER_CPUS=${KINSTALL_WORKER_CPUS:-1}   # kubeadm wants 2 CPUs on the control plane only
export KINSTALL_WORKER_MEMORY=${KINSTALL_WORKER_MEMORY:-1536}
export KINSTALL_ISOLATED=1 KINSTALL_ROUTES=$LAB_SERVER/32 KINSTALL_APT_PROXY=http://$LAB_SERVER:3142
export KINSTALL_LIBVIRT_POOL=kinstall-vagrant
export KINSTALL_CONSOLE_DIR=$VAG_WORK/console
export VAGRANT_CWD=$VAG_REPO_ROOT
export VAGRANT_DOTFILE_PATH=$VAG_WORK/dot-vagrant   # the user's own .vagrant/ stays untouched
RUN=$VAG_WORK/run
OUT=$VAG_WORK/out
TIMES=$OUT/timings.txt
in_ns() { ip netns exec "$NS" "$@"; }

phase_started=0
phase() { # name: starts timing a phase (and ends the previous one)
  end_phase
  phase_name=$1; phase_started=$(date +%s)
  log "== $1"
}
end_phase() {
  [ "$phase_started" = 0 ] && return 0
  printf '%-28s %4d s\n' "$phase_name" $(($(date +%s) - phase_started)) | tee -a "$TIMES" >&2
  phase_started=0
}

stop_pid() { # pidfile, command name: SIGTERM, a deadline, then SIGKILL
  local pid t=0
  [ -f "$1" ] || return 0
  pid=$(cat "$1")
  # A stale pid file must not make us signal an unrelated process that reused the pid.
  if kill -0 "$pid" 2>/dev/null && [ "$(cat /proc/$pid/comm 2>/dev/null)" = "$2" ]; then
    kill "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null && [ $t -lt 100 ]; do sleep 0.1; t=$((t + 1)); done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
  fi
  rm -f "$1"
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  set +e # teardown goes on past any failure
  end_phase
  if [ "${KINSTALL_VAGRANT_KEEP:-0}" = 1 ]; then
    [ "$status" = 0 ] && log "PASS (timings in $TIMES)" || log "FAIL ($status; logs in $OUT)"
    log "KINSTALL_VAGRANT_KEEP=1: VMs left running (ip netns exec $NS ssh ...); remove them with: $0 down"
    [ -n "$started_lab" ] && log "the lab this run started is left up too: npm run lab:down"
    exit "$status"
  fi
  phase_started=$(date +%s); phase_name=teardown
  log "== teardown"
  if [ -S /run/libvirt/libvirt-sock ] && [ -f "$RUN/libvirtd.pid" ]; then
    in_ns vagrant destroy -f >/dev/null 2>&1 || log "vagrant destroy failed; removing the domains with virsh"
    # Whatever vagrant left: our domains, networks, pool (all named kinstall*).
    for d in $(virsh list --all --name 2>/dev/null | grep '^kinstall' || true); do
      virsh destroy "$d" >/dev/null 2>&1; virsh undefine "$d" --remove-all-storage >/dev/null 2>&1
    done
    for n in $(virsh net-list --all --name 2>/dev/null | grep -E '^(kinstall|vagrant-libvirt)' || true); do
      virsh net-destroy "$n" >/dev/null 2>&1; virsh net-undefine "$n" >/dev/null 2>&1
    done
    # The uploaded base box stays for the next run (uploading it costs about a minute).
    for v in $(virsh vol-list "$KINSTALL_LIBVIRT_POOL" 2>/dev/null | awk 'NR > 2 && $1 {print $1}' | grep -v _vagrant_box_image_); do
      virsh vol-delete --pool "$KINSTALL_LIBVIRT_POOL" "$v" >/dev/null 2>&1
    done
    virsh pool-destroy "$KINSTALL_LIBVIRT_POOL" >/dev/null 2>&1
    virsh pool-undefine "$KINSTALL_LIBVIRT_POOL" >/dev/null 2>&1
  fi
  stop_pid "$RUN/libvirtd.pid" libvirtd
  stop_pid "$RUN/virtlogd.pid" virtlogd
  [ -n "$made_route" ] && ip route del "$KINSTALL_NET.0/24" via "$VETH_NET_NS" dev "$VETH" 2>/dev/null
  [ -n "$made_netns" ] && { ip link del "$VETH" 2>/dev/null; ip netns del "$NS" 2>/dev/null; }
  rm -rf "$VAGRANT_DOTFILE_PATH"
  [ -n "$started_lab" ] && { "$VAG_REPO_ROOT/lab/down.sh" || status=1; }
  end_phase
  left=$(pgrep -f "$VAG_WORK/" || true)
  [ -z "$left" ] || { log "LEFTOVER processes: $left"; status=1; }
  [ -e "/run/netns/$NS" ] && { log "LEFTOVER netns $NS"; status=1; }
  [ "$status" = 0 ] && log "PASS (timings in $TIMES)" || log "FAIL ($status; logs in $OUT)"
  exit "$status"
}

install_host_packages() {
  local missing
  missing=$(for p in $(cat "$VAG_SRC/host-packages.txt"); do dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'ok installed' || echo "$p"; done)
  if [ -n "$missing" ]; then
    log "installing: $(echo $missing)"
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $missing >/dev/null
  fi
}

# `run.sh prepare`: only the parts that need neither the lab nor libvirtd (the apt packages, the
# box build and `vagrant box add`). CI starts it in the background while `npm test` runs, so the
# stage itself finds both done: about 5 minutes of a cold CI run that no longer wait in line. It
# writes nothing the stage's teardown would have to remove (the box is kept between runs anyway).
# The box's volume in the libvirt pool: what `vagrant up` would otherwise upload through libvirtd
# (about a minute, in every fresh clone). vagrant-libvirt skips the upload when the pool already
# has a volume of the name it computes (handle_box_image.rb, get_volume_name: the box name with
# "/" as "-VAGRANTSLASH-", "_vagrant_box_image_", version "0_<mtime of box.img>" for an unversioned
# box, "_box.img"); the pool is a plain directory, so a copy of the file is that volume.
seed_pool_volume() {
  local box_name=${KINSTALL_BOX//\//-VAGRANTSLASH-} img vol
  img=$VAGRANT_HOME/boxes/$box_name/0/libvirt/box.img
  [ -f "$img" ] || return 0
  vol=${box_name}_vagrant_box_image_0_$(stat -c %Y "$img")_box.img
  mkdir -p "$VAG_WORK/pool"
  if [ ! -f "$VAG_WORK/pool/$vol" ]; then
    # An older box's volumes (and VM disks backed by them) are stale: the stage would drop them.
    find "$VAG_WORK/pool" -maxdepth 1 -type f -name '*.img' -delete
    cp --sparse=always "$img" "$VAG_WORK/pool/$vol.tmp"
    mv "$VAG_WORK/pool/$vol.tmp" "$VAG_WORK/pool/$vol"
  fi
  cp "$VAG_WORK/box/added" "$VAG_WORK/pool/.box"
}

if [ "${1:-}" = prepare ]; then
  started=$(date +%s)
  install_host_packages
  "$VAG_SRC/build-box.sh"
  seed_pool_volume
  log "prepared (packages, box) in $(($(date +%s) - started)) s"
  exit 0
fi

made_netns='' made_route='' started_lab=''
if [ "${1:-}" = down ]; then # the teardown of a run kept with KINSTALL_VAGRANT_KEEP=1
  KINSTALL_VAGRANT_KEEP=0
  # Nothing of a run left (the usual case when CI's trap calls this): nothing to do or report.
  [ -e "/run/netns/$NS" ] || [ -f "$RUN/libvirtd.pid" ] || [ -d "$VAGRANT_DOTFILE_PATH" ] || exit 0
  [ -e "/run/netns/$NS" ] && made_netns=1
  [ -n "$(ip route show "$KINSTALL_NET.0/24")" ] && made_route=1
  mkdir -p "$OUT"; trap cleanup EXIT; exit 0
fi
mkdir -p "$RUN" "$OUT"
: >"$TIMES"
trap cleanup EXIT
trap 'exit 130' INT TERM

phase 'apt packages'
install_host_packages

phase 'lab servers'
# Not a bare TCP connect: on some machines (this CI's among them) an egress proxy accepts
# connections to any address. lab/health.sh first checks that the lab's address is on this machine.
lab_up() { "$VAG_REPO_ROOT/lab/health.sh" 2>/dev/null; }
if ! lab_up; then
  log "the lab's servers are not up: starting the lab (npm run lab:up); this stage stops it again"
  LAB_HOSTS=${LAB_HOSTS:-1} "$VAG_REPO_ROOT/lab/up.sh"
  started_lab=1
  lab_up || die "the lab's servers do not answer on $LAB_SERVER"
fi

phase 'namespace + libvirtd'
[ -e "/run/netns/$NS" ] && die "network namespace $NS exists: another run is active, or run: ip netns del $NS"
pgrep -x libvirtd >/dev/null && die "a libvirtd is already running; this stage starts its own inside netns $NS"
# Never share addresses with anything else on the machine: a second link in the same subnet
# would capture the other's routes.
[[ $(ip -br addr) == *" ${VETH_NET_HOST%.*}."* ]] && die "${VETH_NET_HOST%.*}.0/30 is already in use on this machine"
[ -z "$(ip route show "$KINSTALL_NET.0/24")" ] || die "a route to $KINSTALL_NET.0/24 exists already on this machine"
made_netns=1
ip netns add "$NS"
ip link add "$VETH" type veth peer name kvag-up netns "$NS"
ip addr add "$VETH_NET_HOST/30" dev "$VETH"
ip link set "$VETH" up
in_ns ip link set lo up
in_ns ip addr add "$VETH_NET_NS/30" dev kvag-up
in_ns ip link set kvag-up up
in_ns ip route add "$LAB_SERVER/32" via "$VETH_NET_HOST"   # and nothing else leaves the namespace
in_ns sysctl -qw net.ipv4.ip_forward=1
ip route add "$KINSTALL_NET.0/24" via "$VETH_NET_NS" dev "$VETH"   # replies from the lab servers to the VMs
made_route=1
# The distribution's NAT network must never start: it would not be isolated.
[ -e /etc/libvirt/qemu/networks/autostart/default.xml ] && { log "disabling autostart of libvirt's NAT network 'default'"; rm -f /etc/libvirt/qemu/networks/autostart/default.xml; }
in_ns virtlogd -d -p "$RUN/virtlogd.pid"
# libvirt checks its cached probe of qemu against "is /dev/kvm usable?", asked as its qemu user
# (libvirt-qemu, group kvm), on every API call (qemu_capabilities.c virQEMUCapsIsValid). Where
# /dev/kvm is root-only (0600, as on this machine; udev makes it 0660 root:kvm on a stock Debian)
# while its probe still finds KVM enabled, the two disagree for ever: every call re-probes qemu
# (~7 s each here; the debug log says "KVM was enabled when probing ..., but it is not available
# now"), and `vagrant up` spent ~5 of its ~6 minutes on it. So libvirtd gets a 0660 root:kvm copy
# of the device, in its own mount namespace only (`ip netns exec` makes one): the machine's
# /dev/kvm is left as it is, and the VMs still use plain emulation unless the driver says kvm.
start_libvirtd() {
  if [ -c /dev/kvm ] && [ "$(stat -c %G:%a /dev/kvm)" != kvm:660 ] && getent group kvm >/dev/null; then
    local dev=$RUN/kvm-device
    mkdir -p "$dev"
    mount -t tmpfs -o size=16k,mode=0755 kinstall-kvm "$dev"
    mknod -m 0660 "$dev/kvm" c "$((16#$(stat -c %t /dev/kvm)))" "$((16#$(stat -c %T /dev/kvm)))"
    chgrp kvm "$dev/kvm"
    mount --bind "$dev/kvm" /dev/kvm
  fi
  exec libvirtd -d -p "$RUN/libvirtd.pid"
}
in_ns bash -c "set -euo pipefail; RUN=$(printf %q "$RUN"); $(declare -f start_libvirtd); start_libvirtd"
for _ in $(seq 100); do virsh -q version >/dev/null 2>&1 && break; sleep 0.2; done
virsh -q version >/dev/null || die "libvirtd did not start"
mkdir -p "$VAG_WORK/pool" "$KINSTALL_CONSOLE_DIR"
rm -f "$KINSTALL_CONSOLE_DIR"/*.log
virsh -q pool-define-as "$KINSTALL_LIBVIRT_POOL" dir --target "$VAG_WORK/pool" >/dev/null
virsh -q pool-start "$KINSTALL_LIBVIRT_POOL" >/dev/null

phase 'box (build if missing)'
"$VAG_SRC/build-box.sh"
# vagrant-libvirt reuses a base volume of the same name: drop it when the box was rebuilt.
if ! cmp -s "$VAG_WORK/box/added" "$VAG_WORK/pool/.box"; then
  for v in $(virsh vol-list "$KINSTALL_LIBVIRT_POOL" | awk 'NR > 2 && $1 {print $1}'); do virsh -q vol-delete --pool "$KINSTALL_LIBVIRT_POOL" "$v" >/dev/null; done
  cp "$VAG_WORK/box/added" "$VAG_WORK/pool/.box"
fi

phase "vagrant up (1+$KINSTALL_WORKERS VMs)"
in_ns vagrant up --provider=libvirt >"$OUT/vagrant-up.log" 2>&1 || { tail -30 "$OUT/vagrant-up.log" >&2; die "vagrant up failed (log: $OUT/vagrant-up.log)"; }

phase 'inventory + known_hosts'
in_ns npx tsx "$VAG_SRC/ssh-config-to-inventory.ts" --inventory "$VAG_REPO_ROOT/inventories/vagrant-lab.yaml" \
  --out "$OUT/inventory.yaml" --known-hosts "$OUT/known_hosts" --console-dir "$KINSTALL_CONSOLE_DIR"

kinstall() { in_ns npx tsx "$VAG_REPO_ROOT/tests/vagrant/kinstall.ts" "$@"; }
cd "$OUT"

phase 'kinstall preflight --fix'
kinstall preflight --fix "$OUT/inventory.yaml" --log "$OUT/preflight.log" | tee "$OUT/preflight.txt" \
  || die "kinstall preflight failed (see $OUT/preflight.txt, $OUT/preflight.log)"

if [ "${KINSTALL_VAGRANT_SKIP_UP:-0}" = 1 ]; then
  log "KINSTALL_VAGRANT_SKIP_UP=1: not running kinstall up"
else
  phase 'kinstall up'
  kinstall up --yes "$OUT/inventory.yaml" --log "$OUT/up.log" --kubeconfig "$OUT/vagrant.kubeconfig" | tee "$OUT/up.txt" \
    || die "kinstall up failed (see $OUT/up.txt, $OUT/up.log)"

  # The lab e2e's expectations (tests/e2e/cluster-checks.ts), then a re-run and a dry run that
  # must change nothing.
  phase 'checks and re-run'
  (cd "$VAG_REPO_ROOT" && in_ns env KINSTALL_VAGRANT_OUT="$OUT" npx vitest run --config tests/vagrant/vitest.config.ts) \
    || die "the cluster checks failed (output above; logs in $OUT)"
fi
end_phase
