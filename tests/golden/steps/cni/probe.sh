set -eu
# cni probe (first control plane): READ-ONLY.
file_sha() { if [ -f "$1" ]; then sha256sum "$1" | cut -d' ' -f1; else echo absent; fi; }
echo "manifest_sha=$(file_sha /etc/kubernetes/kinstall/kube-flannel.yaml)"
k() { kubectl --kubeconfig /etc/kubernetes/admin.conf --request-timeout=10s "$@"; }
# "desired ready" per workload, "absent" when the object does not exist.
workloads() {
  :
  if out=$(k -n kube-flannel get daemonset kube-flannel-ds -o jsonpath='{.status.desiredNumberScheduled} {.status.numberReady}' 2>/dev/null); then
    echo "workload:daemonset/kube-flannel-ds=$out"
  else
    echo "workload:daemonset/kube-flannel-ds=absent"
  fi
}
# All applied but pods still starting (e.g. on a node that has just joined): watch for up to
# 60 s before calling it a change, reading only.
settled() { echo "$1" | awk -F= '/^workload:/ { split($2, n, " "); if ($2 == "absent" || n[1] + 0 == 0 || n[2] + 0 < n[1] + 0) bad = 1 } END { exit bad }'; }
if [ -f /etc/kubernetes/admin.conf ] && command -v kubectl >/dev/null 2>&1 && k get --raw /readyz >/dev/null 2>&1; then
  echo "api=ok"
  state=$(workloads)
  deadline=$(( $(date +%s) + 60 ))
  while ! settled "$state" && ! echo "$state" | grep -q '=absent$' && [ "$(date +%s)" -lt "$deadline" ]; do
    sleep 2
    state=$(workloads)
  done
  echo "$state"
else
  echo "api=down"
fi
