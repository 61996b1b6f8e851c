#!/bin/bash
# Seed the lab registry with every image name kubeadm (each release the lab repo serves) and the addons pull (lab/images.ts).
# All names share one small image the lab builds itself: busybox-static packed as OCI with umoci.
# Only missing tags are pushed, so a warm start costs one HTTP HEAD per image.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

oci=$LAB_DIR/images/oci
build_image() {
  local bundle=$LAB_DIR/images/bundle
  rm -rf "$LAB_DIR/images"; mkdir -p "$LAB_DIR/images"
  umoci init --layout "$oci"
  umoci new --image "$oci:busybox"
  umoci unpack --image "$oci:busybox" "$bundle" >/dev/null
  install -D -m 755 /bin/busybox "$bundle/rootfs/bin/busybox"
  chroot "$bundle/rootfs" /bin/busybox --install -s /bin
  umoci repack --image "$oci:busybox" "$bundle"
  umoci config --image "$oci:busybox" --os linux --architecture amd64 \
    --config.cmd /bin/sleep --config.cmd infinity
  umoci gc --layout "$oci"
  rm -rf "$bundle"
}

present() { # path:tag -> is the manifest in the registry?
  local path=${1%:*} tag=${1##*:}
  curl -sf -o /dev/null -I \
    -H 'Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' \
    "http://$LAB_REGISTRY/v2/$path/manifests/$tag"
}

images=$(cd "$LAB_REPO_ROOT" && node --import tsx lab/images.ts)
[ -n "$images" ] || die "lab/images.ts listed no images"
missing=()
for ref in $images; do present "$ref" || missing+=("$ref"); done
[ ${#missing[@]} -eq 0 ] && exit 0

[ -f "$oci/index.json" ] || build_image
log "seeding registry $LAB_REGISTRY with ${#missing[@]} image(s)"
for ref in "${missing[@]}"; do
  skopeo copy --quiet --dest-tls-verify=false "oci:$oci:busybox" "docker://$LAB_REGISTRY/$ref"
  present "$ref" || die "pushed $ref but the registry does not serve it"
done
