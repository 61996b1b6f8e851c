set -eu
# join apply (joining host). Token, CA hash are only in the 0600
# config; claimed under a name of our own and removed on exit, success or not (see init apply).
cfg=$(mktemp /etc/kubernetes/kinstall/kubeadm-join.yaml.XXXXXX)
mv -f -- /etc/kubernetes/kinstall/kubeadm-join.yaml "$cfg"
trap 'rm -f -- "$cfg"' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 141' PIPE
kubeadm join --config "$cfg"
rm -f -- "$cfg"
