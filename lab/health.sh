#!/bin/bash
# Health of a running lab: servers listening, every host reachable by ssh with its known host key,
# systemd up. Exit non-zero with the reason when something is wrong.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

bad=0
# Without the lab's own address on this machine, a connect could reach an egress proxy that
# accepts anything; only a local address makes "connected" mean "our server listens".
# (No `| grep -q` under pipefail: grep quitting early can kill ip with SIGPIPE and fail the check.)
[[ $(ip -o -4 addr show dev "$LAB_VETH" 2>/dev/null) == *"inet $LAB_GW_IP/"* ]] || die "the lab is down: $LAB_GW_IP is not on $LAB_VETH"
for port in "$LAB_PROXY_PORT" "$LAB_REPO_PORT" "$LAB_REGISTRY_PORT"; do
  (exec 3<>"/dev/tcp/$LAB_GW_IP/$port") 2>/dev/null || { log "nothing listens on $LAB_GW_IP:$port"; bad=1; }
done
for i in $(running_hosts); do
  # shellcheck disable=SC2046
  state=$(ssh $(lab_ssh_opts) root@"$(host_ip "$i")" 'hostname; systemctl is-system-running --wait' 2>&1 | tr '\n' ' ') || true
  case $state in
    "node$i running "*) ;;
    *) log "node$i unhealthy: $state"; bad=1 ;;
  esac
done
exit $bad
