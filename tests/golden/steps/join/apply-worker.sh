set -eu
# join apply (joining host). Token, CA hash are only in /etc/kubernetes/kinstall/kubeadm-join.yaml (0600).
kubeadm join --config /etc/kubernetes/kinstall/kubeadm-join.yaml
rm -f /etc/kubernetes/kinstall/kubeadm-join.yaml
