#!/bin/bash
# npm run lab:up — bring up the lab's hosts (LAB_SHAPE from lab/hosts/shapes.tsv, default 3 Debian
# 12 hosts; or LAB_OS="bookworm trixie/minimal ..."; LAB_HOSTS=N trims or extends), the apt proxy,
# the lab apt repository, the registry mirror and the redirecting fronts; write inventory.yaml
# (through the fronts; LAB_DIRECT=1 for the direct URLs), known_hosts and lab.json into LAB_DIR.
# Idempotent: on a lab that is already up it starts only what is missing and re-checks health.
#
# Bash rather than zx: this is a sequence of ip/mount/nspawn commands; as shell it reads as the
# commands themselves and runs without Node.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$LAB_SRC/services/servers.sh"
. "$LAB_SRC/hosts.sh"

[ "$(id -u)" = 0 ] || die "the lab needs root (network namespaces, mounts, nspawn)"
plan=$(lab_requested_plan) || exit 1

missing=$(for p in $(cat "$LAB_SRC/host-packages.txt"); do dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'ok installed' || echo "$p"; done)
if [ -n "$missing" ]; then
  log "installing machine packages: $(echo $missing)"
  # A fresh machine has no package lists yet: refresh them once before installing.
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $missing >/dev/null
fi

started=$(date +%s%3N)
mkdir -p "$LAB_DIR" "$LAB_RUN" "$LAB_FAULTS" "$LAB_DIR/hosts"
[ -f "$LAB_KEY" ] || ssh-keygen -q -t ed25519 -N '' -C kinstall-lab -f "$LAB_KEY"
if [ ! -s "$LAB_DIR/ops-password" ]; then
  (umask 077; head -c 18 /dev/urandom | base64 | tr '+/' '-_' >"$LAB_DIR/ops-password")
fi

network_up
start_servers
# One base per (suite, profile) in the plan, built through the proxy started just above.
for b in $(echo "$plan" | awk '{print $2 "/" $3}' | sort -u); do "$LAB_SRC/hosts/build-base.sh" "${b%/*}" "${b#*/}"; done
echo "$plan" >"$LAB_PLAN"

# The signed repository comes from lab/packaging (another part of the lab); build-repo.sh is
# idempotent and rebuilds only when its sources changed.
build_repo=$LAB_SRC/packaging/build-repo.sh
if [ -x "$build_repo" ]; then
  # A broken repo build must not take the hosts down with it: warn loudly, and the repo test
  # reports the failure.
  "$build_repo" "$LAB_DIR/repo" || log "WARNING: $build_repo FAILED: the lab apt repository is incomplete"
else
  log "WARNING: $build_repo is missing: the lab apt repository is EMPTY (no kubeadm/kubelet/kubectl)"
fi

n=$(wc -l <"$LAB_PLAN")
for i in $(running_hosts); do
  # A smaller lab than the running one: the extra hosts go away (and out of the inventory).
  if [ "$i" -gt "$n" ]; then remove_host "$i"; fi
done
for i in $(plan_hosts); do start_host "$i"; done
write_known_hosts
pids=()
for i in $(plan_hosts); do wait_for_ssh "$i" & pids+=($!); done
for p in "${pids[@]}"; do wait "$p" || die "a host did not come up"; done

"$LAB_SRC/services/seed-registry.sh"
"$LAB_SRC/write-config.sh"
"$LAB_SRC/health.sh"
elapsed=$(($(date +%s%3N) - started))
log "lab up: $n hosts ($(awk '{print $2 "/" $3}' "$LAB_PLAN" | paste -sd' ')) in $((elapsed / 1000)).$((elapsed % 1000 / 100)) s; inventory: $LAB_DIR/inventory.yaml"
