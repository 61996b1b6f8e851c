set -eu
# containerd arch (READ-ONLY): the host's architecture for source: binary, read before any probe so
# one binarySha256 for hosts of different architectures is refused before anything is downloaded.
echo "uname_m=$(uname -m)"
if command -v dpkg >/dev/null 2>&1; then echo "dpkg_arch=$(dpkg --print-architecture)"; fi
