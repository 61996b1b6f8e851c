#!/bin/bash
# Verify that no trace of a running lab is left on the machine; print each leftover, exit 1 if any.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

left=0
leftover() { log "LEFTOVER $1: $2"; left=1; }

for p in /proc/[0-9]*; do
  [ "${p#/proc/}" = $$ ] && continue
  cmd=$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null) || continue
  case $cmd in *"$LAB_DIR/"*) leftover process "${p#/proc/} $cmd" ;; esac
done
while read -r m; do leftover mount "$m"; done < <(awk -v dir="$LAB_DIR/" 'index($5, dir) == 1 {print $5}' /proc/self/mountinfo)
while read -r c; do leftover cgroup "$c"; done < <(find /sys/fs/cgroup -maxdepth 6 -type d -name 'klab-*' 2>/dev/null)
while read -r n; do leftover netns "$n"; done < <(ip netns list | awk '$1 ~ /^klab/ {print $1}')
while read -r l; do leftover link "$l"; done < <(ip -br link | awk '$1 ~ /^klab/ {print $1}')
while read -r r; do leftover route "$r"; done < <(ip route | grep '^10\.77\.')
while read -r a; do leftover address "$a"; done < <(ip -br addr | grep ' 10\.77\.')
# TCP and UDP (the lab DNS).
while read -r s; do leftover listener "$s"; done < <( (ss -ltnH; ss -lunH) | awk '$4 ~ /^10\.77\./ {print $4}')
exit $left
