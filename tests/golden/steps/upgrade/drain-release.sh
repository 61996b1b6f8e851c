set -eu
# upgrade: the worker runs the target and is Ready: uncordon it and drop the mark, only when
# kinstall drained it for the upgrade (drain-mark.sh); a node cordoned by someone else stays so.
export KUBECONFIG=/etc/kubernetes/admin.conf
node=node2
marked=$(kubectl get node "$node" -o jsonpath='{.metadata.annotations.kinstall\.io/drained-for-upgrade}' --request-timeout=30s)
if [ -z "$marked" ]; then
  echo "kinstall-upgrade: not-marked"
  exit 0
fi
kubectl uncordon "$node" --request-timeout=30s >/dev/null
kubectl annotate node "$node" kinstall.io/drained-for-upgrade- --request-timeout=30s >/dev/null
echo "kinstall-upgrade: released"
