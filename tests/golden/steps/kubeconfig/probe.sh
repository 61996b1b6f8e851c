set -eu
# kubeconfig probe (first control plane): READ-ONLY. admin.conf is hashed as the operator's copy
# would be (server rewritten), so its secret content never leaves the host here.
if [ -f /etc/kubernetes/admin.conf ]; then
  echo "admin_conf=yes"
  echo "rewritten_sha=$(sed -E 's#^([[:space:]]*server:[[:space:]]*).*$#\1https://10.77.0.11:6443#' /etc/kubernetes/admin.conf | sha256sum | cut -d' ' -f1)"
  if command -v kubectl >/dev/null 2>&1; then
    kubectl --kubeconfig /etc/kubernetes/admin.conf --request-timeout=10s get nodes \
      -o jsonpath='{range .items[*]}node:{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' 2>/dev/null || echo "nodes=unknown"
  fi
else
  echo "admin_conf=no"
fi
