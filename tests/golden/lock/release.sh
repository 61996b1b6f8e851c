set -eu
# Release the cluster lock taken by this run: remove its owner record, stop its holder, and
# wait until the kernel lock is free, so the next run can start at once. A record that names
# another run (ours was cleared as stale) is left alone.
dir=/var/lib/kinstall
record="$dir/lock"
if [ -f "$record" ] && grep -qx run_id=0123456789abcdef "$record"; then
  holder=$(sed -n 's/^holder_pid=//p' "$record")
  rm -f -- "$record"
  case "$holder" in
    ''|*[!0-9]*) ;;
    *) if grep -qa kinstall-lock-holder "/proc/$holder/cmdline" 2>/dev/null; then kill "$holder" 2>/dev/null || true; fi ;;
  esac
  echo "released=yes"
  # Only the holder has the kernel lock open (its sleep does not inherit it): once it is gone
  # the lock is free; wait for that.
  if ! flock -w 10 "$dir/lock.flock" true; then echo "kernel_lock_free=no"; fi
else
  # Not ours any more (cleared with --force-unlock by another run): leave it alone.
  echo "released=not-ours"
fi
