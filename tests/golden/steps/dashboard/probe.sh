set -eu
# dashboard probe (first control plane): READ-ONLY.
file_sha() { if [ -f "$1" ]; then sha256sum "$1" | cut -d' ' -f1; else echo absent; fi; }
echo "manifest_sha=$(file_sha /etc/kubernetes/kinstall/dashboard.yaml)"
k() { kubectl --kubeconfig /etc/kubernetes/admin.conf --request-timeout=10s "$@"; }
if [ -f /etc/kubernetes/admin.conf ] && command -v kubectl >/dev/null 2>&1 && k get --raw /readyz >/dev/null 2>&1; then
  echo "api=ok"
  # desired and ready replicas; absent when the object does not exist
  if out=$(k -n kubernetes-dashboard get deployment kubernetes-dashboard -o jsonpath='{.spec.replicas} {.status.readyReplicas}' 2>/dev/null); then
    echo "workload:deployment/kubernetes-dashboard=$out"
  else
    echo "workload:deployment/kubernetes-dashboard=absent"
  fi
  # desired and ready replicas; absent when the object does not exist
  if out=$(k -n kubernetes-dashboard get deployment dashboard-metrics-scraper -o jsonpath='{.spec.replicas} {.status.readyReplicas}' 2>/dev/null); then
    echo "workload:deployment/dashboard-metrics-scraper=$out"
  else
    echo "workload:deployment/dashboard-metrics-scraper=absent"
  fi
else
  echo "api=down"
fi
