set -eu
# Read-only: the Nodes, the pods bound to one node and every PodDisruptionBudget, one JSON
# document per line (newlines inside JSON strings are escaped, so removing them keeps it valid).
export KUBECONFIG=/etc/kubernetes/admin.conf
printf 'nodes='
kubectl get nodes -o json --request-timeout=30s | tr -d '\n'
printf '\npods='
kubectl get pods --all-namespaces --field-selector spec.nodeName=node3 -o json --request-timeout=30s | tr -d '\n'
printf '\npdbs='
kubectl get poddisruptionbudgets --all-namespaces -o json --request-timeout=30s | tr -d '\n'
printf '\n'
