#!/bin/sh
# kinstall preflight facts. Read-only: nothing here writes to the host. Every probe is guarded so a
# missing tool or file yields an empty or "absent" value instead of ending the script half-way;
# the last line (end=ok) tells the parser the output is complete.
set -eu
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
LC_ALL=C
export LC_ALL

kv() { printf '%s=%s\n' "$1" "$2"; }
# Multi-line values travel base64-encoded on one line, so every fact stays one line of output.
kv64() { printf '%s.b64=%s\n' "$1" "$(printf '%s' "$2" | base64 | tr -d '\n')"; }
have() { command -v "$1" >/dev/null 2>&1; }
readf() { cat "$1" 2>/dev/null || true; }
yesno() { if "$@" >/dev/null 2>&1; then echo yes; else echo no; fi; }

kv format 1

# --- system ---
kv64 os_release "$(readf /etc/os-release)"
kv uid "$(id -u 2>/dev/null || echo unknown)"
kv nproc "$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo unknown)"
kv mem_total_kb "$(sed -n 's/^MemTotal:[[:space:]]*\([0-9][0-9]*\).*/\1/p' /proc/meminfo 2>/dev/null || true)"
kv64 proc_swaps "$(readf /proc/swaps)"
kv64 fstab_swap "$(grep -v '^[[:space:]]*#' /etc/fstab 2>/dev/null | grep -w swap || true)"
kv cgroup_fs "$(stat -fc %T /sys/fs/cgroup 2>/dev/null || echo unknown)"
kv hostname "$(readf /proc/sys/kernel/hostname)"
kv kernel "$(uname -r 2>/dev/null || true)"
kv bin.conntrack "$(command -v conntrack 2>/dev/null || true)"
kv bin.socat "$(command -v socat 2>/dev/null || true)"
kv bin.ebtables "$(command -v ebtables 2>/dev/null || true)"
kv bin.ethtool "$(command -v ethtool 2>/dev/null || true)"
kv bin.ip "$(command -v ip 2>/dev/null || true)"
kv bin.tc "$(command -v tc 2>/dev/null || true)"
kv bin.iptables "$(command -v iptables 2>/dev/null || true)"
kv bin.mount "$(command -v mount 2>/dev/null || true)"
kv bin.nsenter "$(command -v nsenter 2>/dev/null || true)"
kv bin.crictl "$(command -v crictl 2>/dev/null || true)"
kv bin.touch "$(command -v touch 2>/dev/null || true)"
kv bin.gpg "$(command -v gpg 2>/dev/null || true)"
kv bin.curl "$(command -v curl 2>/dev/null || true)"
kv bin.wget "$(command -v wget 2>/dev/null || true)"

# --- SELinux ---
if have getenforce; then
  kv selinux "$(getenforce 2>/dev/null || echo unknown)"
elif [ -r /sys/fs/selinux/enforce ]; then
  case "$(readf /sys/fs/selinux/enforce)" in 1) kv selinux Enforcing ;; 0) kv selinux Permissive ;; *) kv selinux unknown ;; esac
else
  kv selinux absent
fi
kv selinux_config "$(sed -n 's/^SELINUX=\([a-z]*\).*/\1/p' /etc/selinux/config 2>/dev/null || true)"

# --- firewall ---
if have firewall-cmd; then
  fw_state=$(firewall-cmd --state 2>/dev/null || true)
  kv firewalld "${fw_state:-not running}"
  if [ "$fw_state" = running ]; then
    kv firewalld_zone "$(firewall-cmd --get-default-zone 2>/dev/null || true)"
    kv firewalld_ports "$(firewall-cmd --list-ports 2>/dev/null || true)"
    for svc in $(firewall-cmd --list-services 2>/dev/null || true); do
      kv firewalld_service "$svc $(firewall-cmd --info-service="$svc" 2>/dev/null | sed -n 's/^[[:space:]]*ports:[[:space:]]*//p' || true)"
    done
  fi
else
  kv firewalld absent
fi
if have ufw; then
  kv64 ufw "$(ufw status verbose 2>/dev/null || true)"
fi
if have iptables; then
  kv64 iptables_input "$(iptables -S INPUT 2>/dev/null || true)"
fi
if have nft; then
  kv64 nft_ruleset "$(nft list ruleset 2>/dev/null | head -c 200000 || true)"
fi

# --- listening sockets ---
if have ss; then
  kv listen_source ss
  kv64 listen "$(ss -Htlnup 2>/dev/null || ss -tlnup 2>/dev/null || true)"
else
  kv listen_source proc
  kv64 listen "$(for f in tcp tcp6 udp udp6; do if [ -r /proc/net/$f ]; then sed "s/^/$f /" /proc/net/$f; fi; done || true)"
fi

# --- kernel: sysctls and modules ---
for key in net/ipv4/ip_forward net/bridge/bridge-nf-call-iptables net/bridge/bridge-nf-call-ip6tables; do
  if [ -r "/proc/sys/$key" ]; then value=$(cat "/proc/sys/$key" 2>/dev/null || echo unknown); else value=absent; fi
  kv "sysctl.$(echo "$key" | tr / .)" "$value"
done
kv proc_modules "$(yesno test -r /proc/modules)"
kv feature.bridge_sysctls "$(yesno test -d /proc/sys/net/bridge)"
kv feature.overlay_fs "$(yesno grep -qw overlay /proc/filesystems)"
kernel=$(uname -r 2>/dev/null || true)
kv module.br_netfilter.loaded "$(yesno grep -q '^br_netfilter ' /proc/modules)"
kv module.br_netfilter.sys "$(yesno test -d /sys/module/br_netfilter)"
kv module.br_netfilter.builtin "$(yesno grep -q '/br_netfilter.ko' "/lib/modules/$kernel/modules.builtin")"
if have modinfo; then kv module.br_netfilter.loadable "$(yesno modinfo br_netfilter)"; else kv module.br_netfilter.loadable unknown; fi
kv module.overlay.loaded "$(yesno grep -q '^overlay ' /proc/modules)"
kv module.overlay.sys "$(yesno test -d /sys/module/overlay)"
kv module.overlay.builtin "$(yesno grep -q '/overlay.ko' "/lib/modules/$kernel/modules.builtin")"
if have modinfo; then kv module.overlay.loadable "$(yesno modinfo overlay)"; else kv module.overlay.loadable unknown; fi

# --- kinstall: who holds a package-manager lock (templates/partials/pkg-lock-holder.sh.hbs) ---
# kinstall_lock_holder FILE prints "PID COMM" of the process holding FILE, or nothing: apt, dpkg
# and rpm take fcntl (POSIX) locks, found in /proc/locks by the file's inode; a dnf pid file is
# held while its pid lives. Shared by the wait before every install and the preflight facts.
kinstall_lock_holder() {
  case "$1" in *.pid)
    _kp=$(tr -dc 0-9 < "$1" 2>/dev/null || true)
    if [ -n "$_kp" ] && [ -d "/proc/$_kp" ]; then printf '%s %s' "$_kp" "$(cat "/proc/$_kp/comm" 2>/dev/null || echo '?')"; fi
    return 0 ;; esac
  _ki=$(stat -c %i "$1" 2>/dev/null || true)
  if [ -z "$_ki" ] || [ ! -r /proc/locks ]; then return 0; fi
  # Waiting lockers are listed with "->" after the holder's line: skip them.
  while read -r _n f1 _f2 _f3 f4 f5 _r; do
    if [ "$f1" != "->" ]; then case "$f5" in *:"$_ki") printf '%s %s' "$f4" "$(cat "/proc/$f4/comm" 2>/dev/null || echo '?')"; return 0 ;; esac; fi
  done < /proc/locks
  return 0
}
# --- kinstall: the version apt would install (templates/partials/apt-candidate.sh.hbs) ---
# kinstall_apt_candidate PKG prints the version `apt-get install PKG` would pick ("(none)" when no
# source has it, nothing when apt-cache is missing). LC_ALL=C because apt translates the label (a
# German host prints "Installationskandidat:"), and SSH sessions get the host's locale from
# /etc/default/locale through pam_env.
kinstall_apt_candidate() {
  LC_ALL=C apt-cache policy "$1" 2>/dev/null | awk '/^  Candidate:/ { print $2 }'
}
for f in /var/lib/dpkg/lock-frontend /var/lib/dpkg/lock /var/lib/apt/lists/lock /var/cache/apt/archives/lock /var/lib/rpm/.rpm.lock /usr/lib/sysimage/rpm/.rpm.lock /var/run/dnf.pid /var/cache/dnf/*.pid; do
  if [ ! -e "$f" ]; then continue; fi
  holder=$(kinstall_lock_holder "$f" || true)
  if [ -n "$holder" ]; then kv lock "$f held $holder"; else kv lock "$f free"; fi
done

# --- network identity ---
if have ip; then
  kv64 routes "$(ip -4 route show 2>/dev/null || true)"
  kv64 addresses "$(ip -o -4 addr show 2>/dev/null || true)"
fi
for d in /sys/class/net/*; do
  if [ ! -e "$d" ]; then continue; fi
  name=${d##*/}
  if [ "$name" = lo ]; then continue; fi
  if [ -e "/sys/devices/virtual/net/$name" ]; then kind=virtual; else kind=physical; fi
  kv link "$name $(readf "$d/address") $kind"
done
kv product_uuid "$(readf /sys/class/dmi/id/product_uuid)"
kv machine_id "$(readf /etc/machine-id)"

# --- container runtime and Kubernetes ---
if have containerd; then kv containerd_version "$(containerd --version 2>/dev/null | head -n 1 || true)"; else kv containerd_version ""; fi
kv containerd_config "$(yesno test -e /etc/containerd/config.toml)"
kv64 containerd_disabled_plugins "$(grep -E '^[[:space:]]*disabled_plugins' /etc/containerd/config.toml 2>/dev/null || true)"
kv containerd_socket "$(yesno test -S /run/containerd/containerd.sock)"
# What "apt-get install containerd" would pick from the current lists (unpinned inventories: the
# containerd <-> Kubernetes table is run on it before anything is installed); "(none)" with no
# lists at all means apt has not read its sources yet.
if have apt-cache; then
  kv containerd_candidate "$(kinstall_apt_candidate containerd)"
  kv apt_lists "$(yesno sh -c 'ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1')"
fi
if have crictl; then
  crictl_out=$(crictl --runtime-endpoint unix:///run/containerd/containerd.sock version 2>&1) && crictl_rc=0 || crictl_rc=$?
  kv crictl_rc "$crictl_rc"
  kv64 crictl "$crictl_out"
fi
if have kubeadm; then kv kubeadm_bin "$(kubeadm version -o short 2>/dev/null | head -n 1 || true)"; fi
if have kubelet; then kv kubelet_bin "$(kubelet --version 2>/dev/null | head -n 1 || true)"; fi
if have kubectl; then kv kubectl_bin "$(kubectl version --client 2>/dev/null | head -n 1 || true)"; fi
for pkg in kubeadm kubelet kubectl; do
  if have dpkg-query; then
    kv "pkg.$pkg" "$(dpkg-query -W -f='${db:Status-Abbrev} ${Version}' "$pkg" 2>/dev/null || true)"
  elif have rpm; then
    kv "pkg.$pkg" "$(rpm -q --qf 'ii %{VERSION}' "$pkg" 2>/dev/null | grep '^ii ' || true)"
  fi
done
kv kubelet_conf "$(yesno test -e /etc/kubernetes/kubelet.conf)"
kv admin_conf "$(yesno test -e /etc/kubernetes/admin.conf)"
# Certificate expiry of a control plane with a cluster (check cert-expiry). Read-only: kubeadm
# reads the files and the kubeadm-config ConfigMap; bounded, as an unanswering API server would
# otherwise hold the whole audit.
if [ -e /etc/kubernetes/admin.conf ] && have kubeadm; then
  if have timeout; then ce_out=$(timeout 60 kubeadm certs check-expiration 2>&1) && ce_rc=0 || ce_rc=$?
  else ce_out=$(kubeadm certs check-expiration 2>&1) && ce_rc=0 || ce_rc=$?; fi
  kv cert_expiry_rc "$ce_rc"
  kv64 cert_expiry "$ce_out"
fi

# --- mirrors: the FINAL HTTP status per URL after following redirects (as apt, dnf and containerd
# do: pkgs.k8s.io answers 302, registry.k8s.io 307), the final URL, and the client's exit code
# when there is no answer (000) ---
http_status() {
  if have curl; then
    out=$(curl -s -L --max-redirs 5 -o /dev/null -w '%{http_code} %{url_effective}' --connect-timeout 3 --max-time 6 "$1" 2>/dev/null) && rc=0 || rc=$?
    code=${out%% *}
    final=${out#* }
    printf '%s curl:%s %s' "${code:-000}" "$rc" "${final:-$1}"
  elif have wget; then
    # -S prints every response of the chain; the last status line and Location are the final ones.
    headers=$(wget -S --max-redirect=5 -O /dev/null -T 6 -t 1 "$1" 2>&1 || true)
    code=$(printf '%s\n' "$headers" | sed -n 's/^ *HTTP\/[0-9.]* \([0-9][0-9]*\).*/\1/p' | tail -n 1)
    final=$(printf '%s\n' "$headers" | sed -n 's/^ *Location: *\([^ ]*\).*/\1/p' | tail -n 1)
    printf '%s wget %s' "${code:-000}" "${final:-$1}"
  else
    printf 'unknown none %s' "$1"
  fi
}
if have dpkg; then pkg_kind=deb; elif have rpm; then pkg_kind=rpm; else pkg_kind=none; fi
probe_mirror() {
  if [ "$1" = image ] || [ "$1" = "$pkg_kind" ]; then kv mirror "$1 $2 $(http_status "$2")"; fi
}
probe_mirror image https://registry.aliyuncs.com/v2/
probe_mirror image https://mirror.example.com/v2/
probe_mirror deb https://mirrors.aliyun.com/kubernetes-new/core/stable/v1.30/deb/Release
probe_mirror rpm https://mirrors.aliyun.com/kubernetes-new/core/stable/v1.30/rpm/repodata/repomd.xml

# Sampled last, right before the output returns, so the controller can compare it with its own clock.
kv epoch "$(date +%s)"
kv end ok
