set -eu
# upgrade: node probe, READ-ONLY. Installed kubeadm/kubelet/kubectl, the API server's image tag
# (control planes), the cluster's version (first control plane) and what this Node reports.
if command -v apt-get >/dev/null 2>&1; then
  echo "pkg=apt"
  for p in kubeadm kubelet kubectl; do
    status=$(dpkg-query -W -f='${Status} ${Version}' "$p" 2>/dev/null || true)
    case "$status" in
      *" ok installed "*) echo "installed_$p=${status#* ok installed }" ;;
      *) echo "installed_$p=absent" ;;
    esac
  done
else
  echo "pkg=dnf"
  for p in kubeadm kubelet kubectl; do
    if rpm -q "$p" >/dev/null 2>&1; then echo "installed_$p=$(rpm -q --qf '%{VERSION}-%{RELEASE}' "$p")"; else echo "installed_$p=absent"; fi
  done
fi
manifest=/etc/kubernetes/manifests/kube-apiserver.yaml
if [ -f "$manifest" ]; then
  echo "apiserver_tag=$(sed -n 's|^[[:space:]]*image:[[:space:]]*.*/kube-apiserver:\(v[0-9.]*\)[[:space:]]*$|\1|p' "$manifest" | head -n 1)"
else
  echo "apiserver_tag=none"
fi
if cfg=$(kubectl --kubeconfig /etc/kubernetes/admin.conf --request-timeout=10s -n kube-system get configmap kubeadm-config -o jsonpath='{.data.ClusterConfiguration}' 2>/dev/null); then
  echo "cluster_version=$(printf '%s\n' "$cfg" | sed -n 's/^kubernetesVersion:[[:space:]]*//p' | tr -d "\"' ")"
fi
node=node1
k() { kubectl --kubeconfig /etc/kubernetes/kubelet.conf --request-timeout=10s "$@"; }
echo "node_version=$(k get node "$node" -o jsonpath='{.status.nodeInfo.kubeletVersion}' 2>/dev/null || true)"
echo "node_ready=$(k get node "$node" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null || true)"
