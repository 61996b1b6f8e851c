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
for addr_port in "$LAB_GW_IP:$LAB_PROXY_PORT" "$LAB_GW_IP:$LAB_REPO_PORT" "$LAB_GW_IP:$LAB_REGISTRY_PORT" \
  "$LAB_FRONT_PKGS_IP:80" "$LAB_FRONT_REGISTRY_IP:80" "$LAB_FRONT_PKGS_IP:443" "$LAB_CDN_PKGS_IP:443" \
  "$LAB_FRONT_REGISTRY_IP:443" "$LAB_CDN_REGISTRY_IP:443" "$LAB_FRONT_DOCKERHUB_IP:443" "$LAB_DNS_IP:53"; do
  (exec 3<>"/dev/tcp/${addr_port%:*}/${addr_port#*:}") 2>/dev/null || { log "nothing listens on $addr_port"; bad=1; }
done
# The fronts must redirect, not just listen (an HTTP/1.0 request line and the status line back).
front_status() { # addr path
  (exec 3<>"/dev/tcp/$1/80" && printf 'HEAD %s HTTP/1.0\r\n\r\n' "$2" >&3 && head -c 12 <&3 | cut -d' ' -f2) 2>/dev/null
}
[ "$(front_status "$LAB_FRONT_PKGS_IP" /core:/stable:/v1.28/deb/Release.key)" = 302 ] || { log "the package front does not answer 302"; bad=1; }
[ "$(front_status "$LAB_FRONT_REGISTRY_IP" /v2/)" = 307 ] || { log "the registry front does not answer 307"; bad=1; }
for i in $(running_hosts); do
  # shellcheck disable=SC2046
  state=$(ssh $(lab_ssh_opts) root@"$(host_ip "$i")" 'hostname; systemctl is-system-running --wait' 2>&1 | tr '\n' ' ') || true
  case $state in
    "node$i running "*) ;;
    *) log "node$i unhealthy: $state"; bad=1 ;;
  esac
done
exit $bad
