set -eu
# Remove the Node object of a host being reset, so the cluster does not keep a dead node.
if [ -f /etc/kubernetes/admin.conf ] && command -v kubectl >/dev/null 2>&1; then
  kubectl --kubeconfig /etc/kubernetes/admin.conf --request-timeout=30s delete node node3 --ignore-not-found
fi
