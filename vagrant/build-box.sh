#!/bin/bash
# Build a Debian 12 libvirt box from Debian packages (no box catalogue) and add it to Vagrant as
# $KINSTALL_BOX (default local/bookworm). Kept in $KINSTALL_VAGRANT_WORK (default .vagrant-work/)
# and rebuilt only when its recipe (this script, build-rootfs.sh, box-packages.txt, box-files/) changes.
#
# Recipe: mmdebstrap rootfs → raw disk with one ext4 partition (labelled root) booted by extlinux →
# compressed qcow2 → box tar (box.img, metadata.json, Vagrantfile).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || die "building the box needs root (loop devices, mounts, chroot)"

. "$VAG_SRC/build-rootfs.sh"
recipe=$(echo "$rootfs_recipe" | cat - "$VAG_SRC/build-box.sh" | sha256sum | cut -c1-16)
box_file=$VAG_WORK/box/$recipe.box
mkdir -p "$VAG_WORK/box"

if [ ! -f "$box_file" ]; then
  started=$(date +%s)
  build_rootfs

  raw=$VAG_WORK/box/disk.raw
  mnt=$VAG_WORK/box/mnt
  rm -f "$raw"
  truncate -s "${VAG_BOX_DISK_GB}G" "$raw"
  echo 'start=2048, type=83, bootable' | sfdisk --quiet "$raw"
  # No udev here, so `losetup -P` would make no partition device: map the partition by offset.
  loop=$(losetup --find --show --offset 1048576 "$raw")
  cleanup_disk() { umount "$mnt" 2>/dev/null || true; losetup -d "$loop" 2>/dev/null || true; }
  trap cleanup_disk EXIT
  # syslinux reads ext4 without the 64bit feature reliably; an 8 GiB disk does not need it.
  mkfs.ext4 -q -L root -O ^64bit "$loop"
  mkdir -p "$mnt"
  mount "$loop" "$mnt"
  cp -a "$rootfs/." "$mnt/"
  mkdir -p "$mnt/boot/extlinux"
  extlinux --install "$mnt/boot/extlinux" >/dev/null
  cleanup_disk
  trap - EXIT
  dd if=/usr/lib/EXTLINUX/mbr.bin of="$raw" bs=440 count=1 conv=notrunc status=none
  mkdir -p "$VAG_WORK/box/pack"
  qemu-img convert -c -O qcow2 "$raw" "$VAG_WORK/box/pack/box.img"
  rm -f "$raw"
  rm -rf "$rootfs" "$rootfs.done" "$mnt"
  printf '{"provider": "libvirt", "format": "qcow2", "virtual_size": %s}\n' "$VAG_BOX_DISK_GB" \
    >"$VAG_WORK/box/pack/metadata.json"
  cat >"$VAG_WORK/box/pack/Vagrantfile" <<'RUBY'
Vagrant.configure("2") do |config|
  config.vm.provider :libvirt do |lv|
    lv.disk_bus = "virtio"
  end
end
RUBY
  tar -C "$VAG_WORK/box/pack" -cf "$box_file.tmp" metadata.json Vagrantfile box.img
  mv "$box_file.tmp" "$box_file"
  rm -rf "$VAG_WORK/box/pack"
  log "box built in $(($(date +%s) - started)) s: $box_file ($(du -h "$box_file" | cut -f1))"
fi

# Re-add when the recipe changed since the box was last added.
if [ "$(cat "$VAG_WORK/box/added" 2>/dev/null)" != "$KINSTALL_BOX $recipe" ]; then
  vagrant box add --force --name "$KINSTALL_BOX" "$box_file" >/dev/null
  echo "$KINSTALL_BOX $recipe" >"$VAG_WORK/box/added"
  log "box $KINSTALL_BOX added"
fi
