#!/usr/bin/env bash
# Builds the lab's signed apt repositories, laid out like pkgs.k8s.io:
#   OUTDIR/core/stable/v1.28/deb/{*.deb,Packages,Packages.gz,Release,InRelease,Release.gpg,Release.key}
# (and v1.29 … v1.32, see catalogue.ts), so hosts use them exactly like the real thing:
#   curl -fsSL URL/core/stable/v1.28/deb/Release.key | gpg --dearmor -o /etc/apt/keyrings/k.gpg
#   deb [signed-by=/etc/apt/keyrings/k.gpg] URL/core/stable/v1.28/deb/ /
# The signing key is generated once into OUTDIR/../gnupg and reused. Idempotent: nothing is
# rebuilt when the simulator and packaging sources are unchanged.
# The v1.32 repo's kubectl 1.32.3 is Debian 13's REAL kubectl (real-kubectl.sh: fetched through
# Debian's signed chain and cached); when the lab's apt proxy answers, it is fetched through it
# (KINSTALL_DEBIAN_MIRROR overrides), so the machine itself asks no other address.
# Needs: node (with the repo's npm dependencies), dpkg-deb, apt-ftparchive (apt-utils), gpg.
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 OUTDIR" >&2
    exit 2
fi

here=$(cd "$(dirname "$0")" && pwd)
repo_root=$(cd "$here/../.." && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)
gnupg_home=$(dirname "$out")/gnupg
stable="$out/core/stable"
stamp="$out/.source-hash"
key_uid="kinstall lab repository <lab-repo@kinstall.invalid>"

for tool in dpkg-deb apt-ftparchive gpg node; do
    command -v "$tool" >/dev/null || { echo "build-repo: $tool not found (apt-get install dpkg-dev apt-utils gpg)" >&2; exit 1; }
done

source_hash() {
    local paths=() p
    for p in lab/simulators/src lab/simulators/build.mjs lab/packaging package-lock.json; do
        [ -e "$repo_root/$p" ] && paths+=("$p")
    done
    (cd "$repo_root" && find "${paths[@]}" -type f -print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -d' ' -f1
}

# gpg starts an agent that outlives this script; stop it on exit so the lab leaves no process.
stop_gpg_agent() { gpgconf --homedir "$gnupg_home" --kill gpg-agent 2>/dev/null || true; }
trap stop_gpg_agent EXIT

ensure_key() {
    mkdir -p "$gnupg_home"
    chmod 700 "$gnupg_home"
    if ! gpg --homedir "$gnupg_home" --batch --list-secret-keys "$key_uid" >/dev/null 2>&1; then
        gpg --homedir "$gnupg_home" --batch --pinentry-mode loopback --passphrase '' \
            --quick-generate-key "$key_uid" rsa3072 sign never 2>/dev/null
    fi
}

# One flat repo: index, Release with hashes, then the clear-signed and detached signatures.
index_and_sign() {
    local dir=$1 minor=$2
    (
        cd "$dir"
        apt-ftparchive packages . >Packages 2>/dev/null
        gzip -9nkf Packages
        apt-ftparchive \
            -o "APT::FTPArchive::Release::Origin=kinstall-lab:core:stable:$minor" \
            -o "APT::FTPArchive::Release::Label=kinstall-lab:core:stable:$minor" \
            -o "APT::FTPArchive::Release::Architectures=amd64" \
            -o "APT::FTPArchive::Release::Description=kinstall lab simulators, laid out like pkgs.k8s.io core:/stable:/$minor" \
            release . >Release.tmp
        mv Release.tmp Release
        rm -f InRelease Release.gpg
        gpg --homedir "$gnupg_home" --batch --yes --local-user "$key_uid" --digest-algo SHA256 --clearsign -o InRelease Release
        gpg --homedir "$gnupg_home" --batch --yes --local-user "$key_uid" --digest-algo SHA256 --armor --detach-sign -o Release.gpg Release
        gpg --homedir "$gnupg_home" --batch --yes --armor --export "$key_uid" >Release.key
    )
}

# The lab's apt-cacher-ng (lab/lib.sh: LAB_GW_IP:LAB_PROXY_PORT) serves Debian's archive under
# /deb.debian.org/debian when the lab is up.
lab_proxy_mirror=http://10.77.255.1:3142/deb.debian.org/debian
if [ -z "${KINSTALL_DEBIAN_MIRROR:-}" ] && curl -fsS -o /dev/null --max-time 5 "$lab_proxy_mirror/dists/trixie/InRelease" 2>/dev/null; then
    export KINSTALL_DEBIAN_MIRROR=$lab_proxy_mirror
fi
real_kubectl=$("$here/real-kubectl.sh" --print-path) || {
    echo "build-repo: could not get the real kubectl (lab/packaging/real-kubectl.sh failed; see above)" >&2
    exit 1
}

hash=$( (source_hash; sha256sum "$real_kubectl" | cut -d' ' -f1) | sha256sum | cut -d' ' -f1)
if [ -n "${KINSTALL_SIM_BUNDLES:-}" ]; then
    hash=$( (echo "$hash"; cat "$KINSTALL_SIM_BUNDLES"/*.js) | sha256sum | cut -d' ' -f1)
fi
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$hash" ] && [ -f "$stable/v1.28/deb/InRelease" ] && [ -f "$stable/v1.32/deb/InRelease" ]; then
    echo "build-repo: $out is up to date"
    exit 0
fi

# KINSTALL_SIM_BUNDLES: already-built bundles (tests build them once and reuse them).
bundles=${KINSTALL_SIM_BUNDLES:-}
if [ -z "$bundles" ]; then
    if [ ! -f "$repo_root/lab/simulators/build.mjs" ]; then
        echo "build-repo: lab/simulators/build.mjs is missing: cannot bundle the simulators" >&2
        exit 1
    fi
    (cd "$repo_root" && node lab/simulators/build.mjs)
    bundles="$repo_root/lab/simulators/dist"
fi

ensure_key
rm -rf "$stable" "$stamp"
(cd "$repo_root" && npx --no-install tsx lab/packaging/build-debs.ts --bundles "$bundles" --out "$stable" --real-kubectl "$real_kubectl") >/dev/null
for dir in "$stable"/*/deb; do
    index_and_sign "$dir" "$(basename "$(dirname "$dir")")"
done
echo "$hash" >"$stamp"
echo "build-repo: built $(ls "$stable"/*/deb/*.deb | wc -l) packages in $stable"
