set -eu
# images probe (first control plane): READ-ONLY. The kubeadm config (no secrets) comes on stdin and
# lives in a temp file only while the installed kubeadm lists the images it would pull.
cfg=$(mktemp)
err=$(mktemp)
trap 'rm -f "$cfg" "$err"' EXIT
cat > "$cfg"
if ! command -v kubeadm >/dev/null 2>&1; then
  echo "kubeadm=absent"
  exit 0
fi
echo "kubeadm=present"
# Whose list: the installed kubeadm's, when it IS the target's kubeadm. During a minor upgrade the
# old kubeadm is still installed here, and asked for the next minor it answers its own nearest etcd
# (constants.go EtcdSupportedVersion falls back with a --v=1 warning), not the target's: then the
# images of kinstall's own table for the target are checked instead, and each control plane pulls
# the new kubeadm's exact list before its kubeadm upgrade (src/upgrade/steps.ts).
installed=$(kubeadm version -o short 2>/dev/null || true)
if [ "$installed" != v1.28.15 ]; then
  echo "kubeadm_version=$installed"
  list=$(printf '%s\n' 10.77.255.1:5000/google_containers/kube-apiserver:v1.28.15 10.77.255.1:5000/google_containers/kube-controller-manager:v1.28.15 10.77.255.1:5000/google_containers/kube-scheduler:v1.28.15 10.77.255.1:5000/google_containers/kube-proxy:v1.28.15 10.77.255.1:5000/google_containers/pause:3.9 10.77.255.1:5000/google_containers/etcd:3.5.15-0 10.77.255.1:5000/google_containers/coredns:v1.10.1 )
elif ! list=$(kubeadm config images list --config "$cfg" 2>"$err"); then
  echo "list_error=$(tail -n 3 "$err" | tr '\n' ' ')"
  exit 0
fi
# Present as containerd's CRI sees it (what kubelet and kubeadm use); ctr where crictl is absent.
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
kinstall_image_store_read
# kubeadm prints one image per line; anything else (a warning) has spaces and is skipped.
for image in $(printf '%s\n' "$list" | grep -E '^[^[:space:]]+$') docker.io/flannel/flannel-cni-plugin:v1.5.1-flannel2 docker.io/flannel/flannel:v0.25.6 docker.io/kubernetesui/dashboard:v2.7.0 docker.io/kubernetesui/metrics-scraper:v1.0.8 ; do
  if kinstall_image_present "$image"; then echo "image:$image=present"; else echo "image:$image=absent"; fi
done
