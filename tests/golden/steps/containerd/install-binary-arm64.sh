set -eu
# containerd from a release archive (mirror / air-gap): downloaded, verified, unpacked to /usr/local.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if command -v curl >/dev/null 2>&1; then
  curl -fsSL -o "$tmp/containerd.tar.gz" http://mirror.example/containerd/v1.7.25/containerd-1.7.25-linux-arm64.tar.gz
else
  wget -q -O "$tmp/containerd.tar.gz" http://mirror.example/containerd/v1.7.25/containerd-1.7.25-linux-arm64.tar.gz
fi
if ! echo bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"  $tmp/containerd.tar.gz" | sha256sum -c - >/dev/null 2>&1; then
  echo "sha256 of "http://mirror.example/containerd/v1.7.25/containerd-1.7.25-linux-arm64.tar.gz" is $(sha256sum "$tmp/containerd.tar.gz" | cut -d' ' -f1), the inventory expects "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb >&2
  exit 1
fi
tar -C /usr/local -xzf "$tmp/containerd.tar.gz"
# containerd needs runc; the archive does not carry it.
if ! command -v runc >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then apt-get -o DPkg::Lock::Timeout=300 update -q && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -q runc; else dnf install -y -q runc; fi
fi
mkdir -p /usr/local/lib/kinstall
echo bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb > /usr/local/lib/kinstall/containerd-archive.sha256
systemctl daemon-reload
systemctl enable containerd
