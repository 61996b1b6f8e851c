set -eu
# Restart only because a config file changed (or containerd was not running), then prove CRI v1 answers.
mkdir -p /etc/containerd
systemctl enable containerd >/dev/null 2>&1 || true
systemctl restart containerd
i=0
while :; do
  if [ ! -S /run/containerd/containerd.sock ]; then
    :
  elif command -v crictl >/dev/null 2>&1; then
    crictl --runtime-endpoint unix:///run/containerd/containerd.sock version >/dev/null 2>&1 && break
  elif ctr version >/dev/null 2>&1; then
    break
  fi
  i=$((i + 1))
  if [ "$i" -ge 30 ]; then
    echo "containerd does not answer on /run/containerd/containerd.sock after restart" >&2
    systemctl status containerd --no-pager >&2 || true
    exit 1
  fi
  sleep 1
done
