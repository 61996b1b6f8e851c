set -eu
# cni apply (first control plane): the manifest was uploaded to /etc/kubernetes/kinstall/kube-flannel.yaml.
k() { kubectl --kubeconfig /etc/kubernetes/admin.conf "$@"; }
k apply -f /etc/kubernetes/kinstall/kube-flannel.yaml
k -n kube-flannel rollout status daemonset/kube-flannel-ds --timeout=300s
