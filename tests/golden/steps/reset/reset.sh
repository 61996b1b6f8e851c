set -eu
# kinstall reset: undo kubeadm and kinstall's cluster state on this host. Idempotent.
if command -v kubeadm >/dev/null 2>&1; then
  kubeadm reset -f --cri-socket unix:///run/containerd/containerd.sock
fi
# kubeadm reset leaves CNI state, iptables chains and kubeconfig copies behind (it says so).
# /etc/cni/net.d itself stays: containerd watches that directory for CNI configs, and a deleted
# and re-created directory is never watched again (the node would stay NotReady).
find /etc/cni/net.d -mindepth 1 -delete 2>/dev/null || true
rm -rf /var/lib/cni /run/flannel /etc/kubernetes/kinstall /root/.kube/config
for link in cni0 flannel.1; do
  if ip link show "$link" >/dev/null 2>&1; then ip link delete "$link"; fi
done
for t in iptables ip6tables; do
  if command -v "$t-save" >/dev/null 2>&1 && command -v "$t-restore" >/dev/null 2>&1; then
    # Dropping every line that names a KUBE-/FLANNEL/CNI- chain removes those chains and the jumps to them.
    "$t-save" | grep -vE 'KUBE-|FLANNEL|CNI-' | "$t-restore"
  fi
done
