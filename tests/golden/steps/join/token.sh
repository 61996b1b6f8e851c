set -eu
# A fresh, short-lived bootstrap token. Its value comes on stdin (never in this script) and is
# one kinstall made, so the run log already redacts it; kubeadm takes a chosen token only as an argument.
IFS= read -r token
kubeadm token create "$token" --ttl 15m --print-join-command --kubeconfig /etc/kubernetes/admin.conf
