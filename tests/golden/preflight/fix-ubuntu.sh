#!/bin/sh
# kinstall preflight --fix for "u1": each part probes first, so running it twice changes nothing.
set -eu
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
LC_ALL=C
export LC_ALL
have() { command -v "$1" >/dev/null 2>&1; }
stamp=$(date +%Y%m%d%H%M%S)

# --- host tools kubeadm and kinstall need (the same packages kinstall up's prepare-host installs) ---
# --- kinstall: wait for other package-manager runs (templates/partials/pkg-lock-wait.sh.hbs) ---
# Fresh cloud VMs run unattended-upgrades (or dnf-automatic) right after boot, and any apt/dnf run
# holds the same locks. apt, dpkg and rpm take fcntl (POSIX) locks, which flock(1) cannot see, so
# the holder is found through /proc/locks by the lock file's inode; dnf 4 marks a run with pid
# files. Waits at most 600 s (src/preflight/locks.ts pkgLockTimeoutSeconds), printing the holder
# on stderr as "kinstall-progress:" lines (kinstall shows them while the step runs), then fails
# naming it. apt-get's own -o DPkg::Lock::Timeout stays as a second line of defence for a lock
# taken again between this wait and the apt-get call.
# (Kept short: the run log keeps only the first 4 KiB of each script.)
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
kinstall_pkg_lock_wait() {
  # The environment overrides exist for kinstall's own tests; kinstall itself never sets them.
  _kw=0; _kt=${KINSTALL_PKG_LOCK_TIMEOUT:-600}
  while :; do
    _kh=""
    # Unquoted on purpose: the dnf pid-file glob expands here.
    for _kf in ${KINSTALL_PKG_LOCK_FILES:-/var/lib/dpkg/lock-frontend /var/lib/dpkg/lock /var/lib/apt/lists/lock /var/cache/apt/archives/lock /var/lib/rpm/.rpm.lock /usr/lib/sysimage/rpm/.rpm.lock /var/run/dnf.pid /var/cache/dnf/*.pid}; do
      if [ -e "$_kf" ]; then _kx=$(kinstall_lock_holder "$_kf"); else _kx=""; fi
      if [ -n "$_kx" ]; then _kh="$_kf is held by pid ${_kx%% *} (${_kx#* })"; break; fi
    done
    if [ -z "$_kh" ]; then
      if [ "$_kw" -gt 0 ]; then echo "kinstall-progress: package manager lock free after $_kw s" >&2; fi
      return 0
    fi
    if [ "$_kw" -ge "$_kt" ]; then
      echo "kinstall: gave up after $_kt s waiting for another package manager run: $_kh. Wait for it to finish (often unattended-upgrades or dnf-automatic after boot) or stop it, then re-run" >&2
      exit 1
    fi
    if [ $((_kw % 10)) -eq 0 ]; then echo "kinstall-progress: waiting for the package manager: $_kh ($_kw s of $_kt s)" >&2; fi
    sleep 2; _kw=$((_kw + 2))
  done
}
kinstall_pkg_lock_wait
# --- end of the package-manager wait ---
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=600 update -q
pkgs=""
for p in conntrack socat ebtables; do
  if apt-cache show "$p" >/dev/null 2>&1; then pkgs="$pkgs $p"; else echo "packages: $p is not in this host's apt sources; not installed" >&2; fi
done
if [ -n "$pkgs" ]; then
  kinstall_pkg_lock_wait
  # $pkgs unquoted on purpose: one word per package name (names from kinstall's own table).
  apt-get -o DPkg::Lock::Timeout=600 install -y -q $pkgs
  echo "packages: installed$pkgs"
fi

# --- swap: off now, and the fstab lines that turn it on at boot commented (original kept) ---
if [ -n "$(tail -n +2 /proc/swaps)" ]; then
  # swapoff -a says nothing about entries it could not turn off, so look again and name them.
  rc=0
  swapoff -a || rc=$?
  still=$(sed -n '2,$s/[[:space:]].*//p' /proc/swaps | tr '\n' ' ')
  if [ -n "$still" ]; then
    echo "swap: NOT turned off: swapoff -a exited $rc and swap is still active on: $still" >&2
    exit 1
  fi
  echo "swap: turned off"
fi
swap_line='^[[:space:]]*[^#[:space:]][^[:space:]]*[[:space:]]+[^[:space:]]+[[:space:]]+swap([[:space:]]|$)'
if grep -Eq "$swap_line" /etc/fstab 2>/dev/null; then
  cp -p /etc/fstab "/etc/fstab.kinstall-$stamp.bak"
  sed -E -i "s/($swap_line.*)$/# disabled by kinstall (kubelet needs swap off): \1/" /etc/fstab
  echo "swap: commented the swap lines in /etc/fstab (backup /etc/fstab.kinstall-$stamp.bak)"
fi

# --- kernel modules: loaded now and at every boot; a kernel with them built in needs neither ---
want='br_netfilter
overlay
'
if [ "$(cat /etc/modules-load.d/kubernetes.conf 2>/dev/null || true)
" != "$want" ]; then
  mkdir -p /etc/modules-load.d
  printf '%s' "$want" > /etc/modules-load.d/kubernetes.conf
  echo "modules: wrote /etc/modules-load.d/kubernetes.conf"
fi
for m in br_netfilter overlay ; do
  if grep -q "^$m " /proc/modules 2>/dev/null; then continue; fi
  if modprobe "$m" 2>/dev/null; then
    echo "modules: loaded $m"
  elif [ -d "/sys/module/$m" ] || grep -q "/$m.ko" "/lib/modules/$(uname -r)/modules.builtin" 2>/dev/null; then
    echo "modules: $m is built into the kernel"
  else
    echo "modules: cannot load $m" >&2
  fi
done

# --- sysctls: one file kinstall owns, applied with the rest of the system's settings ---
want='net.ipv4.ip_forward = 1
net.bridge.bridge-nf-call-iptables = 1
net.bridge.bridge-nf-call-ip6tables = 1
'
if [ "$(cat /etc/sysctl.d/99-kubernetes.conf 2>/dev/null || true)
" != "$want" ]; then
  mkdir -p /etc/sysctl.d
  printf '%s' "$want" > /etc/sysctl.d/99-kubernetes.conf
  echo "sysctl: wrote /etc/sysctl.d/99-kubernetes.conf"
fi
# Other files' errors must not stop the fix; they are shown, and the re-check reports the result.
sysctl --system 2>&1 >/dev/null | sed 's/^/sysctl: /' >&2 || true
echo "sysctl: applied (sysctl --system)"
