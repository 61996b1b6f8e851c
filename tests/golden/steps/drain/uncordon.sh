set -eu
# Make a drained node schedulable again (after an upgrade brought it back). Idempotent: kubectl
# says "already uncordoned" when there is nothing to do.
export KUBECONFIG=/etc/kubernetes/admin.conf
kubectl uncordon node3 --request-timeout=30s
