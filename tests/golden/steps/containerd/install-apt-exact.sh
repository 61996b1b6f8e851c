set -eu
# containerd from the distribution's apt sources, pinned and held.
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=300 update -q
ver='1.6.20~ds1-1+deb12u2'
apt-mark unhold containerd >/dev/null 2>&1 || true
apt-get -o DPkg::Lock::Timeout=300 install -y -q --allow-downgrades containerd="$ver"
apt-mark hold containerd
echo "installed=$ver"
