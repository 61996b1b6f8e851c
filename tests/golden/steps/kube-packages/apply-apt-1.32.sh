set -eu
# kube-packages apply (apt): signing key, pinned kubeadm/kubelet/kubectl + cri-tools, held; kubelet enabled.
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=300 update -q
apt-mark unhold kubeadm kubelet kubectl >/dev/null 2>&1 || true
apt-get -o DPkg::Lock::Timeout=300 install -y -q --allow-downgrades kubeadm=1.32.4-1.1 kubelet=1.32.4-1.1 kubectl=1.32.4-1.1 cri-tools
apt-mark hold kubeadm kubelet kubectl >/dev/null
systemctl enable kubelet
