set -eu
# The right containerd is installed but not pinned: hold it so routine upgrades cannot move it.
dnf install -y -q python3-dnf-plugin-versionlock
dnf versionlock add containerd.io
