set -eu
# dashboard apply (first control plane): the manifest was uploaded to /etc/kubernetes/kinstall/dashboard.yaml.
k() { kubectl --kubeconfig /etc/kubernetes/admin.conf "$@"; }
k apply -f /etc/kubernetes/kinstall/dashboard.yaml
k -n kubernetes-dashboard rollout status deployment/kubernetes-dashboard --timeout=300s
k -n kubernetes-dashboard rollout status deployment/dashboard-metrics-scraper --timeout=300s
