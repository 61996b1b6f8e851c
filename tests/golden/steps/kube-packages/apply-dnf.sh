set -eu
# kube-packages apply (dnf): pinned kubeadm/kubelet/kubectl + cri-tools, versionlocked; kubelet enabled.
dnf install -y -q python3-dnf-plugin-versionlock
dnf versionlock delete kubeadm kubelet kubectl >/dev/null 2>&1 || true
dnf install -y -q --disableexcludes=kubernetes kubeadm-1.28.15-150500.1.1 kubelet-1.28.15-150500.1.1 kubectl-1.28.15-150500.1.1 cri-tools
dnf versionlock add kubeadm kubelet kubectl
systemctl enable kubelet
