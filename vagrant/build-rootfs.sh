#!/bin/bash
# The box's root filesystem (sourced by build-box.sh): Debian 12 minbase plus a kernel and what a
# cloud image has, and the box's own files (box-files/). Prints the rootfs directory; kept until
# the box is made, and rebuilt only when its recipe (this file, box-packages.txt, box-files/) changes.
rootfs_recipe=$(cat "$VAG_SRC/build-rootfs.sh" "$VAG_SRC/box-packages.txt" \
  <(cd "$VAG_SRC/box-files" && find . -type f | sort | xargs sha256sum) | sha256sum | cut -c1-16)
rootfs=$VAG_WORK/box/rootfs-$rootfs_recipe

build_rootfs() {
  [ -f "$rootfs.done" ] && return 0
  local started
  started=$(date +%s)
  rm -rf "$VAG_WORK"/box/rootfs-*
  log "building the box rootfs (recipe $rootfs_recipe)"
  # The kernel's initramfs (initramfs-tools, MODULES=most) carries the virtio drivers.
  mmdebstrap --quiet --variant=minbase --include="$(paste -sd, "$VAG_SRC/box-packages.txt")" \
    bookworm "$rootfs" http://deb.debian.org/debian
  cp -r --no-preserve=ownership "$VAG_SRC/box-files/." "$rootfs/"
  chmod 755 "$rootfs/usr/local/sbin/kinstall-hostkeys"
  chmod 440 "$rootfs/etc/sudoers.d/vagrant"
  chroot "$rootfs" useradd -m -s /bin/bash vagrant
  # Vagrant's well-known insecure key: Vagrant replaces it with a fresh key pair on first `up`.
  install -d -m 700 -o 1000 -g 1000 "$rootfs/home/vagrant/.ssh"
  install -m 600 -o 1000 -g 1000 "$(vagrant_insecure_pubkey)" "$rootfs/home/vagrant/.ssh/authorized_keys"
  chroot "$rootfs" systemctl enable systemd-networkd.service kinstall-hostkeys.service >/dev/null 2>&1
  # Per-VM identity is made at first boot: host keys (kinstall-hostkeys.service), machine-id.
  rm -f "$rootfs"/etc/ssh/ssh_host_* "$rootfs"/etc/systemd/system/timers.target.wants/apt-daily*
  : >"$rootfs/etc/machine-id"
  rm -rf "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/lib/apt/lists/*_Packages
  [ -e "$rootfs/vmlinuz" ] && [ -e "$rootfs/initrd.img" ] || die "the rootfs has no /vmlinuz or /initrd.img"
  touch "$rootfs.done"
  log "rootfs ready after $(($(date +%s) - started)) s: $(du -sh "$rootfs" | cut -f1)"
}
