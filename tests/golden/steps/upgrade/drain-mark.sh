set -eu
# upgrade: before a worker's kubelet moves, mark the Node as drained BY KINSTALL for this upgrade
# (annotation kinstall.io/drained-for-upgrade=<target>), so a run cut after the drain uncordons it
# once it runs the target. A node someone else had already cordoned is not marked: kinstall drains
# it but leaves it cordoned afterwards, as it found it.
export KUBECONFIG=/etc/kubernetes/admin.conf
node=node2
cordoned=$(kubectl get node "$node" -o jsonpath='{.spec.unschedulable}' --request-timeout=30s)
marked=$(kubectl get node "$node" -o jsonpath='{.metadata.annotations.kinstall\.io/drained-for-upgrade}' --request-timeout=30s)
if [ "$cordoned" = "true" ] && [ -z "$marked" ]; then
  echo "kinstall-upgrade: cordoned-before"
  exit 0
fi
kubectl annotate node "$node" --overwrite kinstall.io/drained-for-upgrade=1.28.15 --request-timeout=30s >/dev/null
echo "kinstall-upgrade: marked"
