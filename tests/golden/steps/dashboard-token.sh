set -eu
# A short-lived login token for the dashboard's admin ServiceAccount (printed once, never logged).
kubectl --kubeconfig /etc/kubernetes/admin.conf -n kubernetes-dashboard create token kinstall-admin --duration=1h
