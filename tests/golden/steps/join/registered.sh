set -eu
# Is the node in the cluster? Asked on the first control plane: READ-ONLY.
if [ ! -f /etc/kubernetes/admin.conf ] || ! command -v kubectl >/dev/null 2>&1; then
  echo "node_listed=unknown"
elif kubectl --kubeconfig /etc/kubernetes/admin.conf get node node2 -o name --request-timeout=10s >/dev/null 2>&1; then
  echo "node_listed=yes"
else
  echo "node_listed=no"
fi
