set -eu
# join apply (joining host). Token, CA hash and certificate key are only in the 0600
# config; claimed under a name of our own and removed on exit, success or not (see init apply).
cfg=$(mktemp /etc/kubernetes/kinstall/kubeadm-join.yaml.XXXXXX)
mv -f -- /etc/kubernetes/kinstall/kubeadm-join.yaml "$cfg"
trap 'rm -f -- "$cfg"' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 141' PIPE
# An earlier join stopped half-way (files here, node not in the cluster): clear it first.
kubeadm reset -f
kubeadm join --config "$cfg"
rm -f -- "$cfg"
mkdir -p /root/.kube
install -m 0600 /etc/kubernetes/admin.conf /root/.kube/config
