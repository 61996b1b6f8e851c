set -eu
# kubeconfig probe (first control plane): READ-ONLY. admin.conf is hashed as the operator's copy
# would be (server rewritten), so its secret content never leaves the host here.
nodes() {
  kubectl --kubeconfig /etc/kubernetes/admin.conf --request-timeout=10s get nodes \
    -o jsonpath='{range .items[*]}node:{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' 2>/dev/null || echo "nodes=unknown"
}
# Every inventory node registered but some not Ready yet (one that has just joined): watch for up
# to 60 s before calling it a change, reading only.
starting() {
  for n in node1 node2 node3; do echo "$1" | grep -q "^node:$n=" || return 1; done
  echo "$1" | grep '^node:' | grep -qv '=True$'
}
if [ -f /etc/kubernetes/admin.conf ]; then
  echo "admin_conf=yes"
  # Every server: line rewritten to the operator's server as rewriteKubeconfigServer() does. The
  # server comes from the inventory, so it reaches awk only through the environment, as data
  # (never a sed or awk program built from it: GNU sed's e flag would run it as a command).
  echo "rewritten_sha=$(KINSTALL_SERVER=https://10.77.0.11:6443 awk '{ if (match($0, /^[ \t]*server:[ \t]*/)) print substr($0, 1, RLENGTH) ENVIRON["KINSTALL_SERVER"]; else print }' /etc/kubernetes/admin.conf | sha256sum | cut -d' ' -f1)"
  if command -v kubectl >/dev/null 2>&1; then
    state=$(nodes)
    deadline=$(( $(date +%s) + 60 ))
    while starting "$state" && [ "$(date +%s)" -lt "$deadline" ]; do
      sleep 2
      state=$(nodes)
    done
    echo "$state"
  fi
else
  echo "admin_conf=no"
fi
