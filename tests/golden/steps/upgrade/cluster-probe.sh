set -eu
# upgrade: cluster probe (first control plane), READ-ONLY. What the cluster runs: the kubeadm
# ClusterConfiguration's kubernetesVersion and every Node's kubelet version, Ready and runtime.
k() { kubectl --kubeconfig /etc/kubernetes/admin.conf --request-timeout=10s "$@"; }
if [ ! -f /etc/kubernetes/admin.conf ] || ! command -v kubectl >/dev/null 2>&1; then
  echo "cluster=none"
  exit 0
fi
if ! k get --raw /readyz >/dev/null 2>&1; then
  echo "cluster=down"
  exit 0
fi
echo "cluster=up"
if cfg=$(k -n kube-system get configmap kubeadm-config -o jsonpath='{.data.ClusterConfiguration}' 2>/dev/null); then
  echo "kubernetes_version=$(printf '%s\n' "$cfg" | sed -n 's/^kubernetesVersion:[[:space:]]*//p' | tr -d "\"' ")"
fi
# Two lines per Node, from one kubectl call (each call is a process start, slow on small hosts):
# "node=NAME KUBELET-VERSION READY RUNTIME", and "drained=NAME TARGET" for the nodes kinstall
# drained for an upgrade (annotation kinstall.io/drained-for-upgrade, src/upgrade/drain-hook.ts);
# a node without the annotation prints an empty target.
k get nodes -o jsonpath='{range .items[*]}{"node="}{.metadata.name}{" "}{.status.nodeInfo.kubeletVersion}{" "}{.status.conditions[?(@.type=="Ready")].status}{" "}{.status.nodeInfo.containerRuntimeVersion}{"\n"}{"drained="}{.metadata.name}{" "}{.metadata.annotations.kinstall\.io/drained-for-upgrade}{"\n"}{end}'
