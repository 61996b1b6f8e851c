set -eu
# Wait until every inventory node reports Ready (first control plane).
k() { kubectl --kubeconfig /etc/kubernetes/admin.conf --request-timeout=10s "$@"; }
deadline=$(( $(date +%s) + 300 ))
while :; do
  pending=""
  for n in node1 node2 node3; do
    st=$(k get node "$n" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null || true)
    [ "$st" = True ] || pending="$pending $n"
  done
  [ -z "$pending" ] && exit 0
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "not Ready after 300 s:$pending" >&2
    k get nodes -o wide >&2 || true
    exit 1
  fi
  sleep 3
done
