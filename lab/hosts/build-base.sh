#!/bin/bash
# Build the base root filesystem for one (Debian suite, profile): lab/hosts/build-base.sh SUITE PROFILE.
# Kept in LAB_DIR/bases/SUITE-PROFILE between runs; rebuilt only when its recipe (this script, the
# suite's row in releases.tsv, the profile's row in profiles.tsv, common-packages.txt, rootfs/)
# changes. Packages come from Debian's archive through the lab's apt-cacher-ng when it is up.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

suite=$1 profile=$2
release=$(lab_table releases.tsv | awk -v s="$suite" '$1 == s')
profile_row=$(lab_table profiles.tsv | awk -v p="$profile" '$1 == p')
[ -n "$release" ] || die "unknown OS release '$suite' (add a row to lab/hosts/releases.tsv)"
[ -n "$profile_row" ] || die "unknown profile '$profile' (add a row to lab/hosts/profiles.tsv)"
archive=$(echo "$release" | awk '{print $3}')
packages=$( (lab_table common-packages.txt; echo "$profile_row" | awk '{print $2}' | tr , '\n') | grep -vx -- - | paste -sd,)

recipe=$( (cat "$0"; echo "$release"; echo "$profile_row"; lab_table common-packages.txt
  cd "$LAB_TABLES/rootfs" && find . -type f | sort | xargs sha256sum) | sha256sum | cut -c1-16)
base=$(base_dir "$suite" "$profile")
if [ -f "$base/.klab-recipe" ] && [ "$(cat "$base/.klab-recipe")" = "$recipe" ]; then exit 0; fi

# Through the lab's proxy when it listens (lab:up starts it first), so a rebuild reuses its cache.
proxy=()
if [ "${LAB_BUILD_NO_PROXY:-}" != 1 ] && (exec 3<>"/dev/tcp/$LAB_GW_IP/$LAB_PROXY_PORT") 2>/dev/null; then
  proxy=(--aptopt="Acquire::http::Proxy \"http://$LAB_GW_IP:$LAB_PROXY_PORT\"")
fi
log "building base rootfs $suite-$profile (recipe $recipe); this takes about half a minute"
started=$(date +%s)
mkdir -p "$LAB_DIR/bases"
tmp=$base.tmp
rm -rf "$tmp"
mmdebstrap --quiet --variant=minbase --include="$packages" "${proxy[@]}" "$suite" "$tmp" "$archive"
# The build-time proxy setting stays out of the image (klab-init sets the proxy per host).
rm -f "$tmp/etc/apt/apt.conf.d/99mmdebstrap"

cp -r --no-preserve=ownership "$LAB_TABLES/rootfs/." "$tmp/"
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
log "base rootfs $suite-$profile ready: $(du -sh "$base" | cut -f1) in $(($(date +%s) - started)) s"
