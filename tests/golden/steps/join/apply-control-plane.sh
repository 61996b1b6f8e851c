set -eu
# join apply (joining host). Token, CA hash and certificate key are only in /etc/kubernetes/kinstall/kubeadm-join.yaml (0600).
# An earlier join stopped half-way (files here, node not in the cluster): clear it first.
kubeadm reset -f
kubeadm join --config /etc/kubernetes/kinstall/kubeadm-join.yaml
rm -f /etc/kubernetes/kinstall/kubeadm-join.yaml
mkdir -p /root/.kube
install -m 0600 /etc/kubernetes/admin.conf /root/.kube/config
