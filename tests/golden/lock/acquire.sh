set -eu
# Cluster lock (first control plane): one kinstall run at a time.
# - The lock itself is a kernel lock (flock) on $dir/lock.flock, held by a small holder
#   process that lives only as long as THIS run's SSH connection: when the run ends without
#   releasing (SIGKILL, network loss) the holder exits and the kernel drops the lock.
# - The owner record $dir/lock (who, where, since when, which command) is written
#   atomically (temp file + rename) and removed by the release. A record without a kernel lock
#   therefore means the owner ended without releasing: a STALE lock, cleared only on request.
# The owner record arrives on stdin: nothing the operator's machine reports (user, host name,
# command line) is ever part of this script.
umask 077
# Without flock, "flock -n" failing would read as "held": say what is missing instead.
for tool in flock setsid; do
  command -v "$tool" >/dev/null 2>&1 || { echo "the cluster lock needs $tool (util-linux), which is not installed" >&2; exit 3; }
done
dir=/var/lib/kinstall
record="$dir/lock"
mkdir -p -- "$dir"
chmod 0700 -- "$dir"
show() { if [ -f "$record" ]; then sed 's/^/owner./' "$record"; fi; }
start_of() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20; }

# The sshd process of this connection: the first sshd (or dropbear) among our ancestors. It
# exists exactly as long as the connection (sudo and shells in between are skipped).
session=none
p=$$
while [ "$p" -gt 1 ] 2>/dev/null; do
  case "$(cat "/proc/$p/comm" 2>/dev/null || true)" in
    sshd*|dropbear*) session=$p; break ;;
  esac
  p=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | cut -d' ' -f2)
  [ -n "$p" ] || break
done
session_start=none
if [ "$session" != none ]; then session_start=$(start_of "$session"); fi

exec 9>>"$dir/lock.flock"
if ! flock -n 9; then
  echo "state=held"
  show
  exit 0
fi
if [ -s "$record" ]; then
  echo "state=stale"
  show
  exit 0
fi
owner=$(cat)
write_record() {
  tmp=$(mktemp "$dir/.lock.XXXXXX")
  printf '%s\n' "$@" > "$tmp"
  mv -f -- "$tmp" "$record"
}
write_record "$owner"
# The holder keeps fd 9 (and so the kernel lock) open, alone: its sleep does not inherit it, so
# the lock is free the moment the holder is gone. It polls once a second and exits when the
# record no longer names this run (released) or the SSH connection is gone (same pid, same start
# time); with no sshd ancestor found it gives up after the lease (last argument, seconds) instead.
# setsid and /dev/null: no terminal hang-up, and the SSH channel closes when this script ends.
setsid sh -c '
  n=0
  while sleep 1 9>&-; do
    grep -qx "run_id=$2" "$1" 2>/dev/null || exit 0
    if [ "$3" = none ]; then
      n=$((n + 1)); [ "$n" -lt "$5" ] || exit 0
    else
      [ "$(sed "s/.*) //" "/proc/$3/stat" 2>/dev/null | cut -d" " -f20)" = "$4" ] || exit 0
    fi
  done' kinstall-lock-holder "$record" 0123456789abcdef "$session" "$session_start" 21600 </dev/null >/dev/null 2>&1 &
holder=$!
write_record "$owner" "holder_pid=$holder" "session_pid=$session"
echo "state=acquired"
show
