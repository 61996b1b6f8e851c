#!/bin/bash
# After `kinstall up` on Vagrant VMs with real Kubernetes (.github/workflows/e2e.yml): every node
# Ready, and the dashboard pod Running, as the control plane's own kubectl sees it. (The stage on
# this machine, tests/vagrant/run.sh, checks far more through tests/vagrant/cluster.test.ts.)
# Usage: check-cluster.sh ADDRESS KEY KNOWN_HOSTS NODES (run where ADDRESS is reachable; the host key must be in KNOWN_HOSTS).
set -euo pipefail
address=$1 key=$2 known_hosts=$3 expected_nodes=$4
fail() { printf '[check] FAIL: %s\n' "$*" >&2; exit 1; }
on_cp() {
  ssh -i "$key" -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$known_hosts" \
    -o ConnectTimeout=10 "vagrant@$address" "sudo kubectl --kubeconfig /etc/kubernetes/admin.conf $*"
}

# No --no-headers: the awk filters never match the header line, and this stays portable.
# Nodes and pods take a while to settle under emulation: poll for up to 5 minutes.
deadline=$(($(date +%s) + 300))
while :; do
  nodes=$(on_cp get nodes 2>&1 || true)
  pods=$(on_cp get pods -A 2>&1 || true)
  ready=$(awk '$2 == "Ready"' <<<"$nodes" | wc -l)
  dashboard=$(awk '$1 == "kubernetes-dashboard" && $2 ~ /^kubernetes-dashboard-/ && $4 == "Running"' <<<"$pods" | wc -l)
  [ "$ready" = "$expected_nodes" ] && [ "$dashboard" -ge 1 ] && break
  [ "$(date +%s)" -lt "$deadline" ] || fail "after 5 min: $ready/$expected_nodes nodes Ready, $dashboard dashboard pod(s) Running
$nodes
$pods"
  sleep 10
done
printf '%s\n' "$nodes"
printf '[check] OK: %s/%s nodes Ready, dashboard Running\n' "$ready" "$expected_nodes" >&2
