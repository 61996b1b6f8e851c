set -eu
# The right containerd is installed but not pinned: hold it so routine upgrades cannot move it.
apt-mark hold containerd
