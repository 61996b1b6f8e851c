set -eu
# endpoint probe (kube-vip): READ-ONLY.
if [ -f /etc/kubernetes/manifests/kube-vip.yaml ]; then echo "manifest_sha=$(sha256sum /etc/kubernetes/manifests/kube-vip.yaml | cut -d' ' -f1)"; else echo "manifest_sha=absent"; fi
# kubeadm init done here (admin.conf) / this control plane joined (kubelet.conf).
if [ -f /etc/kubernetes/admin.conf ]; then echo "admin_conf=yes"; else echo "admin_conf=no"; fi
if [ -f /etc/kubernetes/kubelet.conf ]; then echo "kubelet_conf=yes"; else echo "kubelet_conf=no"; fi
