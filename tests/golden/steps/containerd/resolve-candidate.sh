set -eu
# containerd resolve (apt, unpinned inventory): refresh the package lists, then print the version
# "apt-get install containerd" would pick. kinstall checks it against the containerd <->
# Kubernetes table and installs exactly that version, so what was checked is what gets installed.
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
apt-get -o DPkg::Lock::Timeout=600 update -q >/dev/null
# --- kinstall: the version apt would install (templates/partials/apt-candidate.sh.hbs) ---
# kinstall_apt_candidate PKG prints the version `apt-get install PKG` would pick ("(none)" when no
# source has it, nothing when apt-cache is missing). LC_ALL=C because apt translates the label (a
# German host prints "Installationskandidat:"), and SSH sessions get the host's locale from
# /etc/default/locale through pam_env.
kinstall_apt_candidate() {
  LC_ALL=C apt-cache policy "$1" 2>/dev/null | awk '/^  Candidate:/ { print $2 }'
}
echo "policy_candidate=$(kinstall_apt_candidate containerd)"
