#!/bin/bash
# npm run lab — the README's main command: bring the lab up, run `kinstall up` on it, and say how
# to use the result. Safe to run again: the lab and kinstall are both idempotent.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$LAB_SRC/up.sh"
# Build when dist/ is missing or older than any source file (a stale build would run old code).
main=$LAB_REPO_ROOT/dist/cli/main.js
if [ ! -f "$main" ] || [ -n "$(find "$LAB_REPO_ROOT/src" -newer "$main" -print -quit)" ]; then
  (cd "$LAB_REPO_ROOT" && npm run --silent build)
fi
kubeconfig=$LAB_REPO_ROOT/lab.kubeconfig
node "$LAB_REPO_ROOT/bin/kinstall.js" up "$LAB_DIR/inventory.yaml" --kubeconfig "$kubeconfig"

cp1=$(node -e 'const l=require(process.argv[1]); console.log(l.hosts[0].address)' "$LAB_DIR/lab.json")
ssh_cmd="ssh -i $LAB_KEY -o UserKnownHostsFile=$LAB_DIR/known_hosts root@$cp1"
cat <<EOT

The lab cluster is up. Its kubeadm, kubelet, kubectl and API server are the lab's SIMULATORS
(real ones cannot be obtained on this machine); containerd, the apt repository and the image
mirror are real.

  kubeconfig (0600):   $kubeconfig
  nodes:               $ssh_cmd kubectl get nodes
  dashboard token:     node $LAB_SRC/../bin/kinstall.js dashboard-token $LAB_DIR/inventory.yaml
  audit again:         node $LAB_SRC/../bin/kinstall.js preflight $LAB_DIR/inventory.yaml
  take the lab down:   npm run lab:down
EOT
