set -eu
# node-metadata probe (first control plane): READ-ONLY. Every node's labels, taints and
# annotations, as kubectl's JSON after a marker line (the planner parses it).
k() { kubectl --kubeconfig /etc/kubernetes/admin.conf --request-timeout=10s "$@"; }
if [ -f /etc/kubernetes/admin.conf ] && command -v kubectl >/dev/null 2>&1 && nodes=$(k get nodes -o json 2>/dev/null); then
  echo "api=ok"
  printf '%s\n' '--- nodes json'
  printf '%s\n' "$nodes"
else
  echo "api=down"
fi
