set -eu
# containerd from the distribution's apt sources, pinned and held.
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=300 update -q
# The inventory gives the upstream version (e.g. 1.6.20): resolve the exact Debian version.
ver=$(apt-cache madison containerd | awk -F'|' '{ gsub(/ /, "", $2); print $2 }' | grep -E '^([0-9]+:)?1\.6\.20([~+-]|$)' | head -n1 || true)
if [ -z "$ver" ]; then
  echo "no "containerd" "1.6.20" in this host's apt sources; available: $(apt-cache madison containerd | awk -F'|' '{ gsub(/ /, "", $2); printf "%s ", $2 }')" >&2
  exit 1
fi
apt-mark unhold containerd >/dev/null 2>&1 || true
apt-get -o DPkg::Lock::Timeout=300 install -y -q --allow-downgrades containerd="$ver"
apt-mark hold containerd
echo "installed=$ver"
