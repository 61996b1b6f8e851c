set -eu
# images pull (first control plane): every image kubeadm init and the add-ons need, pulled through
# containerd with its registry configuration (/etc/containerd/certs.d: imageRepository and
# mirrors), so a mirror lacking one fails here, listing all, not halfway through kubeadm init.
# The kubeadm config (no secrets) comes on stdin.
cfg=$(mktemp)
err=$(mktemp)
trap 'rm -f "$cfg" "$err"' EXIT
cat > "$cfg"
# Whose list: the installed kubeadm's, when it IS the target's kubeadm. During a minor upgrade the
# old kubeadm is still installed here, and asked for the next minor it answers its own nearest etcd
# (constants.go EtcdSupportedVersion falls back with a --v=1 warning), not the target's: then the
# images of kinstall's own table for the target are checked instead, and each control plane pulls
# the new kubeadm's exact list before its kubeadm upgrade (src/upgrade/steps.ts).
installed=$(kubeadm version -o short 2>/dev/null || true)
kinstall_cri_socket=unix:///run/containerd/containerd.sock
# --- kinstall: which images containerd's CRI holds (templates/partials/image-store.sh.hbs) ---
# kinstall_image_store_read lists the store ONCE into $kinstall_image_store ("repository:tag" per
# line, as crictl's images table prints them; ctr's list where crictl is absent): one crictl start
# instead of one per image, which is what image checks cost on slow hosts.
# kinstall_image_present IMAGE answers from that list. containerd lists a reference normalised: a
# name with its registry first as written, except a Docker Hub name without a namespace
# (docker.io/library/...); a name it spells differently (a registry without a dot, say) is left
# to crictl to resolve. Needs $kinstall_cri_socket.
kinstall_image_store_read() {
  if command -v crictl >/dev/null 2>&1; then
    kinstall_image_store=$(crictl --runtime-endpoint "$kinstall_cri_socket" images 2>/dev/null | awk 'NR > 1 && $2 != "<none>" { print $1 ":" $2 }' || true)
  else
    kinstall_image_store=$(ctr -n k8s.io images ls -q 2>/dev/null || true)
  fi
}
kinstall_image_normalised() {
  case "$1" in
    docker.io/*/*) return 0 ;;
    docker.io/*) return 1 ;;
    localhost/*|*.*/*|*:*/*) return 0 ;;
  esac
  return 1
}
kinstall_image_present() {
  if printf '%s\n' "$kinstall_image_store" | grep -Fxq "$1"; then return 0; fi
  kinstall_image_normalised "$1" && return 1
  command -v crictl >/dev/null 2>&1 && crictl --runtime-endpoint "$kinstall_cri_socket" inspecti "$1" >/dev/null 2>&1
}
pull() {
  if command -v crictl >/dev/null 2>&1; then
    crictl --runtime-endpoint "$kinstall_cri_socket" --timeout 300s pull "$1"
  else
    ctr -n k8s.io images pull --hosts-dir /etc/containerd/certs.d "$1"
  fi
}
list=''
if [ "$installed" != v1.28.15 ]; then
  echo "kubeadm_version=$installed"
  list=$(printf '%s\n' 10.77.255.1:5000/google_containers/kube-apiserver:v1.28.15 10.77.255.1:5000/google_containers/kube-controller-manager:v1.28.15 10.77.255.1:5000/google_containers/kube-scheduler:v1.28.15 10.77.255.1:5000/google_containers/kube-proxy:v1.28.15 10.77.255.1:5000/google_containers/pause:3.9 10.77.255.1:5000/google_containers/etcd:3.5.15-0 10.77.255.1:5000/google_containers/coredns:v1.10.1 )
# The target's kubeadm pulls its own list in one process (`kubeadm config images pull`, the pre-pull
# kubeadm's docs give): one start instead of two per image. It stops at its first failure, so then
# its list is gone through image by image below, to report every missing image at once.
elif kubeadm config images pull --config "$cfg" >"$err" 2>&1; then
  echo "pulled=kubeadm-list"
elif ! list=$(kubeadm config images list --config "$cfg" 2>"$err"); then
  echo "kubeadm config images list --config failed: $(tail -n 3 "$err" | tr '\n' ' ')" >&2
  exit 1
fi
kinstall_image_store_read
failed=0
for image in $(printf '%s\n' "$list" | grep -E '^[^[:space:]]+$') docker.io/flannel/flannel-cni-plugin:v1.5.1-flannel2 docker.io/flannel/flannel:v0.25.6 docker.io/kubernetesui/dashboard:v2.7.0 docker.io/kubernetesui/metrics-scraper:v1.0.8 ; do
  if kinstall_image_present "$image"; then continue; fi
  if pull "$image" >"$err" 2>&1; then
    echo "pulled=$image"
  else
    # Keep going: the operator gets every missing image at once.
    echo "missing=$image $(tail -n 2 "$err" | tr '\n' ' ')"
    failed=1
  fi
done
exit "$failed"
