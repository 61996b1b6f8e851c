#!/bin/bash
# npm run lab:fault -- <host> <fault> [--clear]   set (or clear) one fault on one lab host
# npm run lab:fault -- --list                      the faults, what each does, and which are set
# npm run lab:fault -- --clear-all                 clear every fault that is set
#
# Faults are what kinstall's preflight must detect. Each one is applied inside that one host (its
# own mount, network and pid namespaces, through nsenter, so a fault that breaks ssh can still be
# cleared) and records what clear needs in $LAB_FAULTS/<host>/<fault>/; clear restores exactly.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

declare -A DESCRIPTION=(
  [swap-on]="swap appears on: a generated /proc/swaps listing /swapfile is bind-mounted over /proc/swaps in this host only (/proc/swaps is machine-global, so a real swapon would show on every host and on the machine), plus a real mkswap'ed /swapfile and its /etc/fstab line. swapoff cannot act on it."
  [ip-forward-off]="net.ipv4.ip_forward=0 at runtime in the host's own network namespace (its sysctl.d file still says 1, as on a host where someone turned it off by hand)"
  [port-6443]="a real TCP listener on :6443 (node, the lab harness every host carries, in transient unit klab-fault-port-6443; not socat, which a full or minimal host lacks)"
  [firewall-10250]="iptables INPUT rule dropping TCP to port 10250"
  [dpkg-lock]="a process (transient unit klab-fault-dpkg-lock) holding the dpkg locks /var/lib/dpkg/lock-frontend and /var/lib/dpkg/lock with fcntl locks, as apt does (flock(1) takes flock locks, which apt does not see)"
  [dup-machine-id]="/etc/machine-id copied from another lab host"
  [dup-mac]="a second interface eth1 (one end of a veth pair, both ends inside the host) carrying another host's MAC and 10.77.1.x/24; duplicating the MAC on the shared bridge would break the lab network"
  [old-containerd]="Debian's containerd 1.6.20 installed through apt (too old for Kubernetes >= 1.29; pair it with a 1.30 inventory)"
  [kubelet-conf]="an existing /etc/kubernetes/kubelet.conf, as left by an earlier kubeadm join"
  [changed-host-key]="ssh host keys regenerated and sshd restarted, so LAB_DIR/known_hosts no longer matches; clear restores the original keys"
  [certs-near-expiry]="a control plane's kubeadm leaf certificates (pki/*.crt but the CAs, etcd/*) and the client certs in admin.conf, super-admin.conf, controller-manager.conf, scheduler.conf re-signed by the same CAs (same key, subject, SANs, usages) to expire in 10 days; running components keep what they loaded; clear restores the originals"
  [certs-expired]="as certs-near-expiry, but the certificates expired yesterday (valid from 30 days ago)"
  [pdb-zero]="set on a control plane of a running cluster: PodDisruptionBudget default/klab-fault-pdb-zero with maxUnavailable 0 over every pod of namespace default (a selector on a label no pod has, DoesNotExist), so no pod there may be evicted; set returns once the disruption controller reports 0 disruptions allowed"
)
FAULTS=(swap-on ip-forward-off port-6443 firewall-10250 dpkg-lock dup-machine-id dup-mac old-containerd kubelet-conf changed-host-key certs-near-expiry certs-expired pdb-zero)

# Runs a script (stdin) inside the host the fault is being applied to.
in_host() { host_sh "$FAULT_HOST"; }

# Another host to copy an identity from: node1, or node2 when the fault is on node1.
other_host() {
  local o=1; [ "$1" = 1 ] && o=2
  [ -d "$(host_dir "$o")" ] || die "this fault copies from another host: the lab needs at least 2 hosts"
  echo "$o"
}

set_swap-on() {
  in_host <<'SH'
set -eu
fallocate -l 1M /swapfile 2>/dev/null || dd if=/dev/zero of=/swapfile bs=1M count=1 status=none
chmod 600 /swapfile
mkswap /swapfile >/dev/null
mkdir -p /run/klab-fault
printf 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/swapfile                               file\t\t1020\t\t0\t\t-2\n' >/run/klab-fault/swaps
mount --bind /run/klab-fault/swaps /proc/swaps
echo '/swapfile none swap sw 0 0 # klab-fault swap-on' >>/etc/fstab
SH
}
clear_swap-on() {
  in_host <<'SH'
set -eu
umount /proc/swaps
sed -i '/# klab-fault swap-on$/d' /etc/fstab
rm -f /swapfile /run/klab-fault/swaps
SH
}

set_ip-forward-off() { echo 'sysctl -qw net.ipv4.ip_forward=0' | in_host; }
clear_ip-forward-off() { echo 'sysctl -qw net.ipv4.ip_forward=1' | in_host; }

set_port-6443() {
  in_host <<'SH'
set -eu
systemd-run --quiet --collect --unit=klab-fault-port-6443 node -e 'require("net").createServer((c) => c.end()).listen(6443)'
t=0; until [ -n "$(ss -ltnH 'sport = :6443')" ]; do t=$((t+1)); [ $t -lt 50 ]; sleep 0.1; done
SH
}
clear_port-6443() { echo 'systemctl stop klab-fault-port-6443; systemctl reset-failed klab-fault-port-6443 2>/dev/null || true' | in_host; }

set_firewall-10250() { echo 'iptables -I INPUT -p tcp --dport 10250 -j DROP' | in_host; }
clear_firewall-10250() { echo 'iptables -D INPUT -p tcp --dport 10250 -j DROP' | in_host; }

set_dpkg-lock() {
  in_host <<'SH'
set -eu
# struct flock on x86_64: short type, short whence, (pad), off_t start, off_t len, pid_t pid, (pad).
systemd-run --quiet --collect --unit=klab-fault-dpkg-lock perl -MFcntl -e '
  my $lock = pack("s s x4 q q i x4", F_WRLCK, SEEK_SET, 0, 0, 0);
  for my $f ("/var/lib/dpkg/lock-frontend", "/var/lib/dpkg/lock") {
    open(my $fh, ">>", $f) or die "$f: $!"; fcntl($fh, F_SETLKW, $lock) or die "lock $f: $!"; push @h, $fh;
  }
  open(my $ready, ">", "/run/klab-fault-dpkg-lock.ready"); close $ready;
  sleep;'
t=0; until [ -e /run/klab-fault-dpkg-lock.ready ]; do t=$((t+1)); [ $t -lt 50 ]; sleep 0.1; done
SH
}
clear_dpkg-lock() { echo 'systemctl stop klab-fault-dpkg-lock; systemctl reset-failed klab-fault-dpkg-lock 2>/dev/null || true; rm -f /run/klab-fault-dpkg-lock.ready' | in_host; }

set_dup-machine-id() {
  local i=$1 o; o=$(other_host "$i")
  cp "$(host_dir "$i")/root/etc/machine-id" "$2/machine-id"
  printf 'cat > /etc/machine-id <<ID\n%s\nID\n' "$(host_machine_id "$o")" | in_host
}
clear_dup-machine-id() { printf 'cat > /etc/machine-id <<ID\n%s\nID\n' "$(cat "$2/machine-id")" | in_host; }

set_dup-mac() {
  local i=$1 o; o=$(other_host "$i")
  in_host <<SH
set -eu
ip link add eth1 type veth peer name eth1-peer
ip link set eth1 address $(host_mac "$o")
ip addr add 10.77.1.$((10 + i))/24 dev eth1
ip link set eth1-peer up
ip link set eth1 up
SH
}
clear_dup-mac() { echo 'ip link del eth1' | in_host; }

set_old-containerd() {
  echo "dpkg-query -W -f '\${Package}\n'" | in_host >"$2/packages-before"
  in_host <<'SH'
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
version=$(apt-cache madison containerd | awk '$3 ~ /^1\.6\.20/ {print $3; exit}')
[ -n "$version" ] || { echo "no containerd 1.6.20 in the Debian repository" >&2; exit 1; }
apt-get install -y -qq --no-install-recommends "containerd=$version" >/dev/null
SH
}
clear_old-containerd() {
  local added
  added=$(echo "dpkg-query -W -f '\${Package}\n'" | in_host | grep -vxF -f "$2/packages-before" || true)
  in_host <<SH
set -eu
systemctl stop containerd 2>/dev/null || true
DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq $(echo $added) >/dev/null
rm -rf /var/lib/containerd/* /etc/containerd /run/containerd /var/lib/apt/lists/*_Packages /var/cache/apt/*.bin
SH
}

set_kubelet-conf() {
  echo 'test -d /etc/kubernetes && echo yes || echo no' | in_host >"$2/dir-existed"
  in_host <<'SH'
set -eu
mkdir -p /etc/kubernetes
cat >/etc/kubernetes/kubelet.conf <<'CONF'
apiVersion: v1
kind: Config
clusters:
- cluster:
    server: https://10.77.0.11:6443
  name: kubernetes
contexts:
- context:
    cluster: kubernetes
    user: system:node:old-node
  name: system:node:old-node@kubernetes
current-context: system:node:old-node@kubernetes
users:
- name: system:node:old-node
CONF
SH
}
clear_kubelet-conf() {
  echo 'rm -f /etc/kubernetes/kubelet.conf' | in_host
  [ "$(cat "$2/dir-existed")" = yes ] || echo 'rmdir /etc/kubernetes' | in_host
}

set_changed-host-key() {
  cp -a "$(host_dir "$1")"/root/etc/ssh/ssh_host_* "$2/"
  echo 'rm -f /etc/ssh/ssh_host_*; ssh-keygen -q -A >/dev/null; systemctl restart ssh' | in_host
}
clear_changed-host-key() {
  rm -f "$(host_dir "$1")"/root/etc/ssh/ssh_host_*
  cp -a "$2"/ssh_host_* "$(host_dir "$1")/root/etc/ssh/"
  echo 'systemctl restart ssh' | in_host
}

# Re-signs a control plane's certificates with the validity given as `openssl ca` options ($1),
# keeping each one's key, subject, SANs and usages: what a cluster left alone for ~a year looks
# like. The originals are saved in the fault's state directory ($2) for clear.
resign_certs() {
  local root; root="$(host_dir "$FAULT_HOST")/root"
  [ -f "$root/etc/kubernetes/pki/ca.key" ] || die "no /etc/kubernetes/pki/ca.key: this fault needs a control plane of a running cluster"
  tar -C "$root/etc/kubernetes" -cf "$2/kubernetes.tar" pki admin.conf controller-manager.conf scheduler.conf $([ -f "$root/etc/kubernetes/super-admin.conf" ] && echo super-admin.conf)
  in_host <<SH
set -eu
work=\$(mktemp -d); trap 'rm -rf "\$work"' EXIT
cd /etc/kubernetes/pki
# openssl ca (not x509 -req) because only it sets a validity in the past; preserve keeps the DN order.
printf '%s\n' '[ca]' 'default_ca = d' '[d]' "database = \$work/index.txt" "new_certs_dir = \$work" "serial = \$work/serial" \
  'default_md = sha256' 'policy = p' 'copy_extensions = copyall' 'unique_subject = no' 'preserve = yes' \
  '[p]' 'commonName = supplied' 'organizationName = optional' >"\$work/ca.cnf"
: >"\$work/index.txt"; echo 1000 >"\$work/serial"
resign() { # cert key ca-base -> new cert on stdout
  openssl x509 -x509toreq -in "\$1" -signkey "\$2" -copy_extensions copyall -out "\$work/req.csr" 2>/dev/null
  openssl ca -batch -notext -config "\$work/ca.cnf" -cert "\$3.crt" -keyfile "\$3.key" -in "\$work/req.csr" -out "\$work/new.crt" $1 2>/dev/null
  cat "\$work/new.crt"
}
for c in apiserver apiserver-kubelet-client front-proxy-client apiserver-etcd-client etcd/server etcd/peer etcd/healthcheck-client; do
  [ -f "\$c.crt" ] || continue
  case \$c in front-proxy-client) ca=front-proxy-ca ;; apiserver-etcd-client|etcd/*) ca=etcd/ca ;; *) ca=ca ;; esac
  resign "\$c.crt" "\$c.key" "\$ca" >"\$work/out.crt" && cat "\$work/out.crt" >"\$c.crt"
done
for f in admin.conf super-admin.conf controller-manager.conf scheduler.conf; do
  conf=/etc/kubernetes/\$f
  [ -f "\$conf" ] || continue
  sed -n 's/^ *client-certificate-data: *//p' "\$conf" | base64 -d >"\$work/c.crt"
  sed -n 's/^ *client-key-data: *//p' "\$conf" | base64 -d >"\$work/c.key"
  data=\$(resign "\$work/c.crt" "\$work/c.key" ca | base64 -w0)
  sed -i "s|^\\( *client-certificate-data: *\\).*|\\1\$data|" "\$conf"
done
SH
}
restore_certs() {
  tar -C "$(host_dir "$1")/root/etc/kubernetes" -xpf "$2/kubernetes.tar"
}

set_certs-near-expiry() { resign_certs '-days 10' "$2"; }
clear_certs-near-expiry() { restore_certs "$1" "$2"; }
set_certs-expired() {
  resign_certs "-startdate $(date -u -d '30 days ago' +%Y%m%d%H%M%SZ) -enddate $(date -u -d '1 day ago' +%Y%m%d%H%M%SZ)" "$2"
}
clear_certs-expired() { restore_certs "$1" "$2"; }

# A budget that blocks every drain of a node running pods of namespace default (issue 13: a drain
# that a PodDisruptionBudget holds must stop with the budget named, the node left cordoned).
set_pdb-zero() {
  [ -f "$(host_dir "$1")/root/etc/kubernetes/admin.conf" ] || die "no /etc/kubernetes/admin.conf: this fault needs a control plane of a running cluster"
  in_host <<'SH'
set -eu
k() { kubectl --kubeconfig /etc/kubernetes/admin.conf --request-timeout=20s "$@"; }
k apply -f - >/dev/null <<'YAML'
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: klab-fault-pdb-zero, namespace: default}
spec: {maxUnavailable: 0, selector: {matchExpressions: [{key: klab-fault-pdb-zero-exempt, operator: DoesNotExist}]}}
YAML
for _ in $(seq 60); do
  [ "$(k -n default get pdb klab-fault-pdb-zero -o jsonpath='{.status.observedGeneration}/{.status.disruptionsAllowed}')" = 1/0 ] && exit 0
  sleep 1
done
echo "the disruption controller did not report PodDisruptionBudget default/klab-fault-pdb-zero within 60 s" >&2
exit 1
SH
}
clear_pdb-zero() {
  echo 'kubectl --kubeconfig /etc/kubernetes/admin.conf --request-timeout=20s -n default delete pdb klab-fault-pdb-zero --ignore-not-found >/dev/null' | in_host
}

list() {
  local f h active
  for f in "${FAULTS[@]}"; do
    active=$(for h in "$LAB_FAULTS"/*/"$f"; do [ -d "$h" ] && basename "$(dirname "$h")"; done | paste -sd, -) || true
    printf '%-17s %s%s\n' "$f" "${DESCRIPTION[$f]}" "${active:+  [set on: $active]}"
  done
}

apply() { # host fault set|clear
  local host=$1 fault=$2 action=$3 i state
  i=$(host_index "$host")
  [ -n "${DESCRIPTION[$fault]:-}" ] || die "unknown fault '$fault' (see --list)"
  host_leader_pid "$i" >/dev/null || die "$host is not running"
  FAULT_HOST=$i
  state=$LAB_FAULTS/$host/$fault
  if [ "$action" = set ]; then
    [ -d "$state" ] && { log "$host: $fault is already set"; return 0; }
    mkdir -p "$state"
    # Not "set_x || cleanup": bash ignores set -e inside a function called from an || list.
    trap 'rm -rf "$state"; log "$host: setting $fault FAILED"' ERR
    "set_$fault" "$i" "$state"
    trap - ERR
    log "$host: $fault set"
  else
    [ -d "$state" ] || { log "$host: $fault is not set"; return 0; }
    "clear_$fault" "$i" "$state"
    rm -rf "$state"
    log "$host: $fault cleared"
  fi
}

case ${1:-} in
  --list) list ;;
  --clear-all)
    for s in "$LAB_FAULTS"/*/*; do
      if [ -d "$s" ]; then apply "$(basename "$(dirname "$s")")" "$(basename "$s")" clear; fi
    done ;;
  node*)
    [ $# -ge 2 ] || die "usage: lab:fault -- <host> <fault> [--clear]"
    action=set; [ "${3:-}" = --clear ] && action=clear
    apply "$1" "$2" "$action" ;;
  *) die "usage: lab:fault -- <host> <fault> [--clear] | --list | --clear-all" ;;
esac
