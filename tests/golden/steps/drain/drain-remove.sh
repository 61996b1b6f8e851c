set -eu
# kinstall drain: cordon the node, then evict its pods through the eviction API, so every
# PodDisruptionBudget is respected (kubectl retries a refused eviction every 5 s until --timeout).
# DaemonSet pods stay (they tolerate the cordon), mirror pods of static pods stay (the API cannot
# delete them); emptyDir data goes with the pod, and so do pods without a controller
# (this node is being removed: they would die with it anyway).
# A failed drain leaves the node cordoned, so running it again resumes where it stopped.
export KUBECONFIG=/etc/kubernetes/admin.conf
nodes=$(kubectl get nodes -o name --request-timeout=30s)
if ! printf '%s\n' "$nodes" | grep -Fxq -- node/node3; then
  echo "kinstall-drain: no-node"
  exit 0
fi
kubectl drain node3 --ignore-daemonsets --delete-emptydir-data --force --timeout=300s
