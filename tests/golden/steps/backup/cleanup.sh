set -eu
# kinstall backup: the archive is on the workstation now; its copy on the host (private keys) goes.
rm -rf -- /var/tmp/kinstall-backup.Ab12Cd
