set -eu
# prepare-host apply: only the parts the plan found out of date. Every action is idempotent.
# --- kinstall: wait for other package-manager runs (templates/partials/pkg-lock-wait.sh.hbs) ---
# Fresh cloud VMs run unattended-upgrades (or dnf-automatic) right after boot, and any apt/dnf run
# holds the same locks. apt, dpkg and rpm take fcntl (POSIX) locks, which flock(1) cannot see, so
# the holder is found through /proc/locks by the lock file's inode; dnf 4 marks a run with pid
# files. Waits at most 600 s (src/preflight/locks.ts pkgLockTimeoutSeconds), printing the holder
# on stderr as "kinstall-progress:" lines (kinstall shows them while the step runs), then fails
# naming it. apt-get's own -o DPkg::Lock::Timeout stays as a second line of defence for a lock
# taken again between this wait and the apt-get call.
kinstall_lock_holder() {
  case "$1" in
    *.pid)
      kinstall_pid=$(tr -dc 0-9 < "$1" 2>/dev/null || true)
      if [ -n "$kinstall_pid" ] && [ "$kinstall_pid" != "$$" ] && [ -d "/proc/$kinstall_pid" ]; then
        printf '%s %s' "$kinstall_pid" "$(cat "/proc/$kinstall_pid/comm" 2>/dev/null || echo '?')"
      fi
      return 0 ;;
  esac
  kinstall_inode=$(stat -c %i "$1" 2>/dev/null || true)
  if [ -z "$kinstall_inode" ] || [ ! -r /proc/locks ]; then return 0; fi
  while read -r _n f1 _f2 _f3 f4 f5 _rest; do
    # Waiting lockers are listed with "->" after the holder's line: skip them.
    if [ "$f1" = "->" ]; then continue; fi
    case "$f5" in *:"$kinstall_inode") printf '%s %s' "$f4" "$(cat "/proc/$f4/comm" 2>/dev/null || echo '?')"; return 0 ;; esac
  done < /proc/locks
  return 0
}
kinstall_pkg_lock_wait() {
  kinstall_waited=0
  # The environment overrides exist for kinstall's own tests; kinstall itself never sets them.
  kinstall_timeout=${KINSTALL_PKG_LOCK_TIMEOUT:-600}
  while :; do
    kinstall_held=""
    # Unquoted on purpose: the dnf pid-file glob expands here.
    for kinstall_f in ${KINSTALL_PKG_LOCK_FILES:-/var/lib/dpkg/lock-frontend /var/lib/dpkg/lock /var/lib/apt/lists/lock /var/cache/apt/archives/lock /var/lib/rpm/.rpm.lock /usr/lib/sysimage/rpm/.rpm.lock /var/run/dnf.pid /var/cache/dnf/*.pid}; do
      if [ ! -e "$kinstall_f" ]; then continue; fi
      kinstall_h=$(kinstall_lock_holder "$kinstall_f")
      if [ -n "$kinstall_h" ]; then
        kinstall_held="$kinstall_f is held by pid ${kinstall_h%% *} (${kinstall_h#* })"
        break
      fi
    done
    if [ -z "$kinstall_held" ]; then
      if [ "$kinstall_waited" -gt 0 ]; then echo "kinstall-progress: package manager lock free after ${kinstall_waited} s" >&2; fi
      return 0
    fi
    if [ "$kinstall_waited" -ge "$kinstall_timeout" ]; then
      echo "kinstall: gave up after ${kinstall_timeout} s waiting for another package manager run: $kinstall_held. Wait for it to finish (often unattended-upgrades or dnf-automatic after boot) or stop it, then re-run" >&2
      exit 1
    fi
    if [ $((kinstall_waited % 10)) -eq 0 ]; then
      echo "kinstall-progress: waiting for the package manager: $kinstall_held (${kinstall_waited} s of ${kinstall_timeout} s)" >&2
    fi
    sleep 2
    kinstall_waited=$((kinstall_waited + 2))
  done
}
kinstall_pkg_lock_wait
# --- end of the package-manager wait ---
# Tools kubeadm and kinstall need that this host lacks (the kubelet package no longer pulls them in).
kinstall_pkg_lock_wait
# strict=0: skip a package this release does not offer (dnf 4) instead of failing the transaction;
# what is still not provided afterwards is remembered, as on apt hosts.
dnf install -y -q --setopt=strict=0 conntrack-tools /usr/sbin/ebtables iproute-tc
mkdir -p /var/lib/kinstall
for p in conntrack-tools /usr/sbin/ebtables iproute-tc; do
  if ! rpm -q --whatprovides "$p" >/dev/null 2>&1; then
    echo "note: $p is not offered by this host's repositories; not installed" >&2
    echo "$p" >> /var/lib/kinstall/unavailable-packages
  fi
done
