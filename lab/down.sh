#!/bin/bash
# npm run lab:down — remove every process, mount, cgroup, namespace, veth, route and server the lab
# made, then verify nothing is left (exit 1 listing leftovers). Kept between runs, because they
# make the next lab:up fast: the base rootfs, the SSH key, the apt cache, the registry storage,
# the built apt repository.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$LAB_SRC/services/servers.sh"
. "$LAB_SRC/hosts.sh"

[ "$(id -u)" = 0 ] || die "the lab needs root"
[ -x "$LAB_SRC/many.sh" ] && "$LAB_SRC/many.sh" down

# Every host that has a directory, whatever LAB_HOSTS says now; stopped in parallel.
for d in "$LAB_DIR"/hosts/node*; do
  [ -d "$d" ] || continue
  stop_host "${d##*/node}" &
done
wait

# Mounts under LAB_DIR, deepest first (host roots, and anything a fault left inside them).
awk -v dir="$LAB_DIR/" 'index($5, dir) == 1 {print $5}' /proc/self/mountinfo | sort -r | while read -r m; do
  umount "$m" 2>/dev/null || umount -l "$m"
done

for d in $(find /sys/fs/cgroup -maxdepth 6 -type d -name 'klab-node*' 2>/dev/null); do
  find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
done

stop_servers
ip route del "$LAB_HOST_NET" 2>/dev/null
ip link del "$LAB_VETH" 2>/dev/null
ip netns del "$LAB_NETNS" 2>/dev/null

rm -rf "$LAB_DIR/hosts" "$LAB_FAULTS" "$LAB_RUN" "$LAB_DIR/inventory.yaml" "$LAB_DIR/lab.json" "$LAB_PLAN" \
  "$LAB_KNOWN_HOSTS" "$LAB_DIR/ops-password"

"$LAB_SRC/check-clean.sh" && log "lab down: nothing left"
