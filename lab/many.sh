#!/bin/bash
# npm run lab:many:up / lab:many:down — the 50-light-host mode for the benchmarks.
# UNFINISHED: not implemented yet. "down" has nothing to remove (nothing can have been started).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
case ${1:-} in
  up) die "many-hosts mode (LAB_MANY light sshd hosts) is NOT IMPLEMENTED yet; see docs/lab.md" ;;
  down) exit 0 ;;
  *) die "usage: lab/many.sh up|down" ;;
esac
