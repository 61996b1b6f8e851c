set -eu
# After kubeadm join returns, the kubelet registers its Node object: wait for it (first control plane).
i=0
until kubectl --kubeconfig /etc/kubernetes/admin.conf get node node2 -o name --request-timeout=10s >/dev/null 2>&1; do
  i=$((i + 1))
  if [ "$i" -ge 120 ]; then
    echo "node "node2" joined but is not listed by the API server after 120 s" >&2
    exit 1
  fi
  sleep 1
done
