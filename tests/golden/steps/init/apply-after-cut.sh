set -eu
# init apply (first control plane). The kubeadm config (with this run's bootstrap token and
# certificate key) was uploaded 0600 to the config path below; nothing secret is in this script.
# The config must not outlive this script, whatever happens (kubeadm fails, the client is cut
# off): claim it under a name of our own (a later run's upload to the same path stays that
# run's), and remove it on exit and on hang-up/termination.
cfg=$(mktemp /etc/kubernetes/kinstall/kubeadm-init.yaml.XXXXXX)
mv -f -- /etc/kubernetes/kinstall/kubeadm-init.yaml "$cfg"
trap 'rm -f -- "$cfg"' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 141' PIPE
k() { kubectl --kubeconfig /etc/kubernetes/admin.conf --request-timeout=10s "$@"; }
# One init at a time: a run cut off (client killed) may leave its kubeadm init running here.
# Under the lock, look again: that init may have finished meanwhile.
exec 9>/run/kinstall-init.lock
flock 9
if [ -f /etc/kubernetes/kinstall/init-done ] || { [ -f /etc/kubernetes/admin.conf ] && k get --raw /readyz >/dev/null 2>&1 \
    && k -n kube-public get configmap cluster-info -o name >/dev/null 2>&1; }; then
  echo "kubeadm init already completed (by an earlier run): not initialising again"
else
  # Decided here, under the lock (the probe may have looked while an earlier init still ran):
  # files of an init that never completed are cleared; no node has joined yet, so this is safe.
  if [ -f /etc/kubernetes/admin.conf ] || [ -e /etc/kubernetes/manifests/kube-apiserver.yaml ] || [ -e /etc/kubernetes/pki/ca.crt ]; then
    kubeadm reset -f
  fi
  kubeadm config images pull --config "$cfg"
  kubeadm init --config "$cfg" --upload-certs
fi
touch /etc/kubernetes/kinstall/init-done
rm -f -- "$cfg"
# The API may still be starting (kubelet restarted, or a previous run was cut): wait for it.
i=0
until kubectl --kubeconfig /etc/kubernetes/admin.conf get --raw /readyz --request-timeout=10s >/dev/null 2>&1; do
  i=$((i + 1))
  if [ "$i" -ge 180 ]; then
    echo "the API server on this host does not answer /readyz after 180 s" >&2
    exit 1
  fi
  sleep 1
done
mkdir -p /root/.kube
install -m 0600 /etc/kubernetes/admin.conf /root/.kube/config
