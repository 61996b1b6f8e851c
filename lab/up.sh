#!/bin/bash
# npm run lab:up — bring up LAB_HOSTS (default 3) hosts, the apt proxy, the lab apt repository and
# the registry mirror; write inventory.yaml, known_hosts and lab.json into LAB_DIR.
# Idempotent: on a lab that is already up it starts only what is missing and re-checks health.
#
# Bash rather than zx: this is a sequence of ip/mount/nspawn commands; as shell it reads as the
# commands themselves and runs without Node.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$LAB_SRC/servers.sh"
. "$LAB_SRC/hosts.sh"

[ "$(id -u)" = 0 ] || die "the lab needs root (network namespaces, mounts, nspawn)"
[[ $LAB_HOSTS =~ ^[0-9]+$ ]] && [ "$LAB_HOSTS" -ge 1 ] && [ "$LAB_HOSTS" -le 200 ] || die "LAB_HOSTS must be 1..200"

missing=$(for p in $(cat "$LAB_SRC/host-packages.txt"); do dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'ok installed' || echo "$p"; done)
if [ -n "$missing" ]; then
  log "installing machine packages: $(echo $missing)"
  # A fresh machine has no package lists yet: refresh them once before installing.
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $missing >/dev/null
fi

started=$(date +%s%3N)
mkdir -p "$LAB_DIR" "$LAB_RUN" "$LAB_FAULTS" "$LAB_DIR/hosts"
"$LAB_SRC/build-base.sh"
[ -f "$LAB_KEY" ] || ssh-keygen -q -t ed25519 -N '' -C kinstall-lab -f "$LAB_KEY"
if [ ! -s "$LAB_DIR/ops-password" ]; then
  (umask 077; head -c 18 /dev/urandom | base64 | tr '+/' '-_' >"$LAB_DIR/ops-password")
fi

network_up
start_servers

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

for i in $(running_hosts); do
  # A smaller LAB_HOSTS than the running lab: the extra hosts go away (and out of the inventory).
  if [ "$i" -gt "$LAB_HOSTS" ]; then stop_host "$i"; umount "$(host_dir "$i")/root"; rm -rf "$(host_dir "$i")"; fi
done
for i in $(seq 1 "$LAB_HOSTS"); do start_host "$i"; done
write_known_hosts
pids=()
for i in $(seq 1 "$LAB_HOSTS"); do wait_for_ssh "$i" & pids+=($!); done
for p in "${pids[@]}"; do wait "$p" || die "a host did not come up"; done

"$LAB_SRC/seed-registry.sh"
"$LAB_SRC/write-config.sh"
"$LAB_SRC/health.sh"
elapsed=$(($(date +%s%3N) - started))
log "lab up: $LAB_HOSTS hosts in $((elapsed / 1000)).$((elapsed % 1000 / 100)) s; inventory: $LAB_DIR/inventory.yaml"
