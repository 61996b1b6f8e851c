#!/bin/bash
# Seed the lab registry with every image name kubeadm (each release the lab repo serves) and the addons pull (lab/images.ts).
# Two small images the lab builds itself, packed as OCI with umoci:
#   busybox: busybox-static; every name but etcd's.
#   etcd:    the same plus /usr/local/bin/etcdctl (and etcdutl when the package has it), REAL
#            binaries from Debian's etcd-client package, where upstream's registry.k8s.io/etcd image
#            has them (kubernetes/kubernetes cluster/images/etcd/Dockerfile): kinstall backup and
#            restore take etcdctl from the etcd image, as on a real cluster.
# Only missing tags are pushed, so a warm start costs one HTTP HEAD per image (plus one for the
# etcd image's recipe marker, which re-pushes the etcd tags when the etcd image changed).
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

images_dir=$LAB_DIR/images
oci=$images_dir/oci
# The Debian release whose etcd-client goes into the etcd image: the default lab's (its hosts run
# that release's etcd server, so client and server versions match there).
etcd_suite=bookworm
recipe=$( (cat "$0"; echo "$etcd_suite") | sha256sum | cut -c1-16)

# etcd-client's .deb through the lab's apt proxy (cached there and in images_dir), with a private
# apt configuration so the machine's own apt state is neither used nor changed.
fetch_etcd_client() {
  local debs=$images_dir/debs apt=$images_dir/apt archive
  if ls "$debs"/etcd-client_*.deb >/dev/null 2>&1; then return; fi
  archive=$(lab_table releases.tsv | awk -v s="$etcd_suite" '$1 == s {print $3}')
  mkdir -p "$debs" "$apt/lists/partial" "$apt/cache/archives/partial"
  echo "deb $archive $etcd_suite main" >"$apt/sources.list"
  local opts=(-o Dir::Etc::SourceList="$apt/sources.list" -o Dir::Etc::SourceParts=/nonexistent
    -o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt/cache" -o Debug::NoLocking=1
    -o APT::Sandbox::User=root -o Acquire::http::Proxy="http://$LAB_GW_IP:$LAB_PROXY_PORT")
  apt-get -qq "${opts[@]}" update
  (cd "$debs" && apt-get -qq "${opts[@]}" download etcd-client)
  rm -rf "$apt"
  ls "$debs"/etcd-client_*.deb >/dev/null 2>&1 || die "could not download Debian $etcd_suite's etcd-client through the lab proxy"
}

new_busybox_image() { # $1: tag -> an unpacked bundle at $images_dir/bundle with busybox installed
  local bundle=$images_dir/bundle
  umoci new --image "$oci:$1"
  umoci unpack --image "$oci:$1" "$bundle" >/dev/null
  install -D -m 755 /bin/busybox "$bundle/rootfs/bin/busybox"
  chroot "$bundle/rootfs" /bin/busybox --install -s /bin
}

repack() { # $1: tag
  local bundle=$images_dir/bundle
  umoci repack --image "$oci:$1" "$bundle"
  umoci config --image "$oci:$1" --os linux --architecture amd64 --config.cmd /bin/sleep --config.cmd infinity
  rm -rf "$bundle"
}

build_images() {
  fetch_etcd_client
  local debs=$images_dir/debs
  rm -rf "$oci" "$images_dir/bundle"
  umoci init --layout "$oci"
  new_busybox_image busybox
  repack busybox
  new_busybox_image etcd
  local x=$images_dir/etcd-client
  rm -rf "$x"
  dpkg-deb -x "$(ls "$debs"/etcd-client_*.deb | head -n 1)" "$x"
  for tool in etcdctl etcdutl; do
    if [ -f "$x/usr/bin/$tool" ]; then install -D -m 755 "$x/usr/bin/$tool" "$images_dir/bundle/rootfs/usr/local/bin/$tool"; fi
  done
  [ -f "$images_dir/bundle/rootfs/usr/local/bin/etcdctl" ] || die "Debian's etcd-client package has no /usr/bin/etcdctl"
  rm -rf "$x"
  repack etcd
  umoci gc --layout "$oci"
  echo "$recipe" >"$images_dir/recipe"
}

present() { # path:tag -> is the manifest in the registry?
  local path=${1%:*} tag=${1##*:}
  curl -sf -o /dev/null -I \
    -H 'Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' \
    "http://$LAB_REGISTRY/v2/$path/manifests/$tag"
}
is_etcd() { case "${1%:*}" in */etcd) return 0 ;; esac; return 1; }

images=$(cd "$LAB_REPO_ROOT" && node --import tsx lab/images.ts)
[ -n "$images" ] || die "lab/images.ts listed no images"
marker=kinstall-lab/etcd-image:$recipe
etcd_current=yes
present "$marker" || etcd_current=no
missing=()
for ref in $images; do
  if is_etcd "$ref" && [ "$etcd_current" = no ]; then missing+=("$ref"); continue; fi
  present "$ref" || missing+=("$ref")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ ! -f "$oci/index.json" ] || [ "$(cat "$images_dir/recipe" 2>/dev/null)" != "$recipe" ]; then build_images; fi
log "seeding registry $LAB_REGISTRY with ${#missing[@]} image(s)"
for ref in "${missing[@]}"; do
  if is_etcd "$ref"; then src=etcd; else src=busybox; fi
  skopeo copy --quiet --dest-tls-verify=false "oci:$oci:$src" "docker://$LAB_REGISTRY/$ref"
  present "$ref" || die "pushed $ref but the registry does not serve it"
done
if [ "$etcd_current" = no ]; then
  skopeo copy --quiet --dest-tls-verify=false "oci:$oci:etcd" "docker://$LAB_REGISTRY/$marker"
fi
