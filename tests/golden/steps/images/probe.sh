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
if ! list=$(kubeadm config images list --config "$cfg" 2>"$err"); then
  echo "list_error=$(tail -n 3 "$err" | tr '\n' ' ')"
  exit 0
fi
# Present as containerd's CRI sees it (what kubelet and kubeadm use); ctr where crictl is absent.
present() {
  if command -v crictl >/dev/null 2>&1; then
    crictl --runtime-endpoint unix:///run/containerd/containerd.sock inspecti "$1" >/dev/null 2>&1
  else
    ctr -n k8s.io images ls -q 2>/dev/null | grep -Fxq "$1"
  fi
}
# kubeadm prints one image per line; anything else (a warning) has spaces and is skipped.
for image in $(printf '%s\n' "$list" | grep -E '^[^[:space:]]+$') docker.io/flannel/flannel-cni-plugin:v1.5.1-flannel2 docker.io/flannel/flannel:v0.25.6 docker.io/kubernetesui/dashboard:v2.7.0 docker.io/kubernetesui/metrics-scraper:v1.0.8 ; do
  if present "$image"; then echo "image:$image=present"; else echo "image:$image=absent"; fi
done
