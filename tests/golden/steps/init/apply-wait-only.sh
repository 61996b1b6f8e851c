set -eu
# init apply (first control plane). The kubeadm config (with this run's bootstrap token and
# certificate key) was uploaded 0600 to the config path below; nothing secret is in this script.
# The API may still be starting (kubelet restarted, or a previous run was cut): wait for it.
i=0
until kubectl --kubeconfig /etc/kubernetes/admin.conf get --raw /readyz --request-timeout=10s >/dev/null 2>&1; do
  i=$((i + 1))
  if [ "$i" -ge 180 ]; then
    echo "the API server on this host does not answer /readyz after 180 s" >&2
    exit 1
  fi
  sleep 1
done
mkdir -p /root/.kube
install -m 0600 /etc/kubernetes/admin.conf /root/.kube/config
