set -eu
# init probe (first control plane): READ-ONLY.
file_sha() { if [ -f "$1" ]; then sha256sum "$1" | cut -d' ' -f1; else echo absent; fi; }
if [ -f /etc/kubernetes/kinstall/init-done ]; then echo "init_done=yes"; else echo "init_done=no"; fi
if [ -f /etc/kubernetes/admin.conf ]; then echo "admin_conf=yes"; else echo "admin_conf=no"; fi
if [ -f /etc/kubernetes/manifests/kube-apiserver.yaml ]; then echo "apiserver_manifest=yes"; else echo "apiserver_manifest=no"; fi
k() { kubectl --kubeconfig /etc/kubernetes/admin.conf --request-timeout=10s "$@"; }
if [ -f /etc/kubernetes/admin.conf ] && command -v kubectl >/dev/null 2>&1 && k get --raw /readyz >/dev/null 2>&1; then
  echo "api=ok"
  # kubeadm creates cluster-info in one of init's last phases.
  if k -n kube-public get configmap cluster-info -o name >/dev/null 2>&1; then echo "cluster_info=yes"; else echo "cluster_info=no"; fi
else
  echo "api=down"
fi
echo "admin_conf_sha=$(file_sha /etc/kubernetes/admin.conf)"
echo "root_kubeconfig_sha=$(file_sha /root/.kube/config)"
