#!/usr/bin/env bash
# Fetches the REAL kubectl 1.32.3 (Debian 13 "trixie" builds it from Kubernetes' source) so the
# lab and the unit tests can check the API server simulator against a real client.
#
# The .deb is trusted only through Debian's signed chain, the same one apt walks:
#   dists/trixie/InRelease  -- verified by gpgv against /usr/share/keyrings/debian-archive-keyring.gpg
#   -> SHA256 of main/binary-amd64/Packages.xz listed in that signed Release
#   -> SHA256 of pool/.../kubectl_1.32.3+ds-2_amd64.deb listed in that Packages index
#      (and equal to the hash pinned below, so a changed index cannot swap the binary silently)
# Any mismatch stops with an error; nothing unverified is kept.
#
# Usage: real-kubectl.sh [--print-path]
#   Prints the path of the extracted kubectl on stdout (both forms; --print-path exists so callers
#   can say what they want). Re-runs do nothing once the binary is cached and its hash still
#   matches what was verified.
# Env:  KINSTALL_CACHE          cache root (default $HOME/.cache/kinstall-lab)
#       KINSTALL_DEBIAN_MIRROR  Debian mirror URL (default http://deb.debian.org/debian); e.g. the
#                               lab's apt-cacher: http://10.77.255.1:3142/deb.debian.org/debian
# Needs: curl, gpgv, xz, dpkg-deb, sha256sum, debian-archive-keyring.
set -euo pipefail

case "${1:-}" in
    ""|--print-path) ;;
    *) echo "usage: $0 [--print-path]" >&2; exit 2 ;;
esac

suite=trixie
package=kubectl
version=1.32.3+ds-2
arch=amd64
pinned_sha256=9825aaf4c14913027aae04af8688e580459f781c829bd5de00cc4dc2cc5a867f
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
mirror=${KINSTALL_DEBIAN_MIRROR:-http://deb.debian.org/debian}
mirror=${mirror%/}
cache_root=${KINSTALL_CACHE:-$HOME/.cache/kinstall-lab}
dest="$cache_root/real-kubectl/$version"
binary="$dest/kubectl"
stamp="$dest/kubectl.sha256"

die() { echo "real-kubectl: $*" >&2; exit 1; }

# Cached: the stamp is written only after the whole chain verified; the binary must still match it.
if [ -x "$binary" ] && [ -f "$stamp" ] &&
   [ "$(sha256sum "$binary" | cut -d' ' -f1)" = "$(cat "$stamp")" ]; then
    echo "$binary"
    exit 0
fi

for tool in curl gpgv xz dpkg-deb sha256sum; do
    command -v "$tool" >/dev/null || die "$tool not found (apt-get install curl gpgv xz-utils dpkg coreutils)"
done
[ -r "$keyring" ] || die "$keyring missing: apt-get install debian-archive-keyring"
[ "$(uname -m)" = x86_64 ] || die "the pinned kubectl is the $arch build; this machine is $(uname -m)"

mkdir -p "$cache_root/real-kubectl"
work=$(mktemp -d "$cache_root/real-kubectl/.fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT

fetch() { # URL FILE
    curl -fsSL --retry 3 --connect-timeout 20 --max-time 600 -o "$2" "$1" ||
        die "could not download $1 (set KINSTALL_DEBIAN_MIRROR to a reachable Debian mirror)"
}

# 1. The signed Release: gpgv writes the signed text only when a Debian archive key signed it.
fetch "$mirror/dists/$suite/InRelease" "$work/InRelease"
gpgv --quiet --keyring "$keyring" --output "$work/Release" "$work/InRelease" 2>"$work/gpgv.log" ||
    die "the signature of $mirror/dists/$suite/InRelease does not verify against $keyring: $(cat "$work/gpgv.log")"
grep -qx "Codename: $suite" "$work/Release" ||
    die "$mirror/dists/$suite/InRelease is signed but is not for $suite (replayed or wrong suite)"
valid_until=$(sed -n 's/^Valid-Until: //p' "$work/Release")
if [ -n "$valid_until" ] && [ "$(date -u -d "$valid_until" +%s)" -lt "$(date -u +%s)" ]; then
    die "$mirror/dists/$suite/InRelease expired on $valid_until (stale mirror)"
fi

# 2. Packages.xz, checked against the SHA256 section of the signed Release.
index=main/binary-$arch/Packages.xz
index_sha256=$(awk -v f="$index" '
    /^[^ ]/ { in_sha = ($1 == "SHA256:") }
    in_sha && $3 == f { print $1; exit }' "$work/Release")
[ -n "$index_sha256" ] || die "the signed Release of $suite lists no SHA256 for $index"
fetch "$mirror/dists/$suite/$index" "$work/Packages.xz"
got=$(sha256sum "$work/Packages.xz" | cut -d' ' -f1)
[ "$got" = "$index_sha256" ] ||
    die "$mirror/dists/$suite/$index has SHA256 $got, the signed Release says $index_sha256 (mirror out of sync? retry later)"

# 3. The kubectl stanza of that index: its Filename and SHA256. (Decompressed to a file first:
# awk stops at the stanza, and under pipefail xz's SIGPIPE would end the script silently.)
xz -dc "$work/Packages.xz" >"$work/Packages" || die "$mirror/dists/$suite/$index does not decompress"
awk -v p="$package" -v v="$version" -v a="$arch" '
    BEGIN { RS = ""; FS = "\n" }
    {
        pkg = ""; ver = ""; ar = ""; file = ""; sum = ""
        for (i = 1; i <= NF; i++) {
            if ($i ~ /^Package: /) pkg = substr($i, 10)
            else if ($i ~ /^Version: /) ver = substr($i, 10)
            else if ($i ~ /^Architecture: /) ar = substr($i, 15)
            else if ($i ~ /^Filename: /) file = substr($i, 11)
            else if ($i ~ /^SHA256: /) sum = substr($i, 9)
        }
        if (pkg == p && ver == v && ar == a) { print file; print sum; exit }
    }' "$work/Packages" >"$work/stanza"
deb_path=$(sed -n 1p "$work/stanza")
deb_sha256=$(sed -n 2p "$work/stanza")
[ -n "$deb_path" ] && [ -n "$deb_sha256" ] ||
    die "$package $version ($arch) is no longer in $suite's index; update version and pinned_sha256 in $0"
[ "$deb_sha256" = "$pinned_sha256" ] ||
    die "$suite's signed index gives $package $version the SHA256 $deb_sha256, not the pinned $pinned_sha256; refusing"
case "$deb_path" in
    pool/*.deb) ;;
    *) die "unexpected Filename in $suite's index: $deb_path" ;;
esac

# 4. The .deb itself.
fetch "$mirror/$deb_path" "$work/kubectl.deb"
got=$(sha256sum "$work/kubectl.deb" | cut -d' ' -f1)
[ "$got" = "$deb_sha256" ] || die "$mirror/$deb_path has SHA256 $got, the signed index says $deb_sha256; refusing"

# 5. Extract usr/bin/kubectl and record its hash last, so an interrupted run leaves no stamp.
dpkg-deb -x "$work/kubectl.deb" "$work/root"
[ -f "$work/root/usr/bin/kubectl" ] || die "$deb_path has no usr/bin/kubectl"
mkdir -p "$dest"
install -m 0755 "$work/root/usr/bin/kubectl" "$binary.tmp"
mv -f "$binary.tmp" "$binary"
sha256sum "$binary" | cut -d' ' -f1 >"$stamp.tmp"
mv -f "$stamp.tmp" "$stamp"
echo "$binary"
