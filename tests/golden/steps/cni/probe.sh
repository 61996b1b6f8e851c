set -eu
# cni probe (first control plane): READ-ONLY.
file_sha() { if [ -f "$1" ]; then sha256sum "$1" | cut -d' ' -f1; else echo absent; fi; }
echo "manifest_sha=$(file_sha /etc/kubernetes/kinstall/kube-flannel.yaml)"
k() { kubectl --kubeconfig /etc/kubernetes/admin.conf --request-timeout=10s "$@"; }
if [ -f /etc/kubernetes/admin.conf ] && command -v kubectl >/dev/null 2>&1 && k get --raw /readyz >/dev/null 2>&1; then
  echo "api=ok"
  # desired and ready replicas; absent when the object does not exist
  if out=$(k -n kube-flannel get daemonset kube-flannel-ds -o jsonpath='{.status.desiredNumberScheduled} {.status.numberReady}' 2>/dev/null); then
    echo "workload:daemonset/kube-flannel-ds=$out"
  else
    echo "workload:daemonset/kube-flannel-ds=absent"
  fi
else
  echo "api=down"
fi
