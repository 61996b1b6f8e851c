set -eu
# kinstall restore: the private directory the archive is uploaded into (it holds private keys).
mkdir -p /etc/kubernetes/kinstall/restore
chmod 700 /etc/kubernetes/kinstall/restore
