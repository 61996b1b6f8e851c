set -eu
# Re-upload the control-plane certificates encrypted with this run's certificate key, which is
# in the 0600 config file (never in argv); the uploaded copy expires after two hours. The config
# is claimed under a name of our own and removed on exit, success or not (see init apply).
cfg=$(mktemp /etc/kubernetes/kinstall/kubeadm-upload-certs.yaml.XXXXXX)
mv -f -- /etc/kubernetes/kinstall/kubeadm-upload-certs.yaml "$cfg"
trap 'rm -f -- "$cfg"' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 141' PIPE
kubeadm init phase upload-certs --upload-certs --config "$cfg"
