#!/bin/bash
# Build the base root filesystem every lab host overlays: once, kept between runs, rebuilt only
# when its recipe (this script, base-packages.txt, rootfs/) changes.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

recipe=$(cat "$LAB_SRC/build-base.sh" "$LAB_SRC/base-packages.txt" \
  <(cd "$LAB_SRC/rootfs" && find . -type f | sort | xargs sha256sum) | sha256sum | cut -c1-16)
base=$LAB_DIR/base
if [ -f "$base/.klab-recipe" ] && [ "$(cat "$base/.klab-recipe")" = "$recipe" ]; then exit 0; fi

log "building base rootfs (recipe $recipe); this takes about a minute"
mkdir -p "$LAB_DIR"
tmp=$LAB_DIR/base.tmp
rm -rf "$tmp"
# A cloud image's basics plus what a kubeadm node needs; no containerd (kinstall installs it).
mmdebstrap --quiet --variant=minbase --include="$(paste -sd, "$LAB_SRC/base-packages.txt")" \
  bookworm "$tmp" http://deb.debian.org/debian

cp -r --no-preserve=ownership "$LAB_SRC/rootfs/." "$tmp/"
chmod 440 "$tmp"/etc/sudoers.d/deploy "$tmp"/etc/sudoers.d/ops
ln -sf /etc/systemd/system/klab-init.service "$tmp/etc/systemd/system/sysinit.target.wants/klab-init.service"
ln -sf /lib/systemd/system/systemd-networkd.service "$tmp/etc/systemd/system/multi-user.target.wants/systemd-networkd.service"
# Per-host state is created by up.sh: host keys, machine-id, authorized keys, the ops password.
rm -f "$tmp"/etc/ssh/ssh_host_* "$tmp"/etc/systemd/system/timers.target.wants/apt-daily*
: > "$tmp/etc/machine-id"
chroot "$tmp" useradd -m -s /bin/bash -G sudo deploy
chroot "$tmp" useradd -m -s /bin/bash ops
# Debian leaves apt's cache in the image; a cloud image does not.
rm -rf "$tmp"/var/cache/apt/*.bin "$tmp"/var/lib/apt/lists/*_Packages

echo "$recipe" > "$tmp/.klab-recipe"
rm -rf "$base"
mv "$tmp" "$base"
log "base rootfs ready: $(du -sh "$base" | cut -f1)"
