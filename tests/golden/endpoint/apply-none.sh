set -eu
# endpoint apply (node-local balancer): install haproxy, validate the uploaded config with
# `haproxy -c` BEFORE it replaces the live one, then reload (a reload keeps open connections:
# the old worker drains them) or start it.
# The balancer must listen before kubeadm uses the endpoint.
port=7443
i=0
# A reload returns before haproxy's master has finished it: also wait for "active" again.
until ss -Hltn "sport = :$port" 2>/dev/null | grep -q . && [ "$(systemctl is-active haproxy 2>/dev/null || true)" = active ]; do
  i=$((i + 1))
  if [ "$i" -ge 30 ]; then
    echo "haproxy is not active and listening on port $port after 30 s; see journalctl -u haproxy" >&2
    exit 1
  fi
  sleep 1
done
