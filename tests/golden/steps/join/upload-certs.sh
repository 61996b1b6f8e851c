set -eu
# Re-upload the control-plane certificates encrypted with this run's certificate key, which is
# in the 0600 config file (never in argv); the uploaded copy expires after two hours.
kubeadm init phase upload-certs --upload-certs --config /etc/kubernetes/kinstall/kubeadm-upload-certs.yaml
