set -eu
# Cluster lock status: READ-ONLY (for --dry-run and preflight, which never take the lock).
# Held: the owner record names a holder process that is still running; stale: it does not.
record=/var/lib/kinstall/lock
if [ ! -s "$record" ]; then
  echo "state=free"
  exit 0
fi
holder=$(sed -n 's/^holder_pid=//p' "$record")
case "$holder" in
  ''|*[!0-9]*) alive=no ;;
  *) if grep -qa kinstall-lock-holder "/proc/$holder/cmdline" 2>/dev/null; then alive=yes; else alive=no; fi ;;
esac
if [ "$alive" = yes ]; then echo "state=held"; else echo "state=stale"; fi
sed 's/^/owner./' "$record"
