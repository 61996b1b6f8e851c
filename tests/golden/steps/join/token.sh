set -eu
# A fresh, short-lived bootstrap token for this run's joins: its Secret manifest arrives on stdin
# (never in this script or in argv). Then wait until cluster-info is signed for it, as
# kubeadm join's discovery needs.
kubectl --kubeconfig /etc/kubernetes/admin.conf apply -f - >/dev/null
signature=jws-kubeconfig-abcdef
i=0
until kubectl --kubeconfig /etc/kubernetes/admin.conf --request-timeout=10s -n kube-public get configmap cluster-info \
    -o "jsonpath={.data.$signature}" 2>/dev/null | grep -q .; do
  i=$((i + 1))
  if [ "$i" -ge 60 ]; then
    echo "cluster-info is not signed for the new bootstrap token after 60 s (is kube-controller-manager running?)" >&2
    exit 1
  fi
  sleep 1
done
