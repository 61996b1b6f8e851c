#!/bin/bash
# bench/loopback-hosts.sh up|down — a stand-in for `lab:many:up` when the many-hosts lab cannot
# run: BENCH_LOOPBACK_HOSTS (default 50) sshd processes on 127.0.9.N:22, each with its own host
# key, root login by key only, host keys checked against a generated known_hosts. Loopback only,
# so nothing outside this machine is ever addressed. Unlike the lab's light hosts they share the
# machine's hostname and machine-id (preflight reports those as duplicates: that is expected).
# Writes bench/out/loopback/inventory.yaml; usage: BENCH_INVENTORY=that npm run bench:preflight.
set -euo pipefail
N=${BENCH_LOOPBACK_HOSTS:-50}
DIR=$(cd "$(dirname "$0")" && pwd)/out/loopback
LAB_KEY=${LAB_DIR:-$(cd "$(dirname "$0")/.." && pwd)/.lab}/id_ed25519

addr() { echo "127.0.9.$((10 + $1))"; }

up() {
  [ -f "$LAB_KEY" ] || { echo "no lab key at $LAB_KEY" >&2; exit 1; }
  mkdir -p "$DIR/keys" "$DIR/run" /run/sshd
  chmod 755 "$DIR"
  install -m 600 "$LAB_KEY.pub" "$DIR/authorized_keys"
  cat >"$DIR/sshd_config" <<CFG
PidFile none
PermitRootLogin prohibit-password
AuthorizedKeysFile $DIR/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
UseDNS no
PrintMotd no
MaxStartups 200
MaxSessions 50
Subsystem sftp internal-sftp
CFG
  local i pids=()
  for i in $(seq 1 "$N"); do
    [ -s "$DIR/keys/h$i" ] || { ssh-keygen -q -t ed25519 -N '' -C "lb$i" -f "$DIR/keys/h$i" & pids+=($!); }
  done
  for p in "${pids[@]}"; do wait "$p"; done
  : >"$DIR/known_hosts"
  for i in $(seq 1 "$N"); do
    if ! { read -r pid <"$DIR/run/lb$i.pid" && [ "$(cat /proc/$pid/comm 2>/dev/null)" = sshd ]; } 2>/dev/null; then
      setsid /usr/sbin/sshd -D -f "$DIR/sshd_config" -h "$DIR/keys/h$i" -o "ListenAddress=$(addr "$i"):22" -E "$DIR/run/lb$i.log" </dev/null >/dev/null 2>&1 &
      echo $! >"$DIR/run/lb$i.pid"
    fi
    read -r type key _ <"$DIR/keys/h$i.pub"
    echo "$(addr "$i") $type $key" >>"$DIR/known_hosts"
  done
  {
    printf 'apiVersion: kinstall/v1alpha1\nkind: Cluster\nmetadata:\n  name: loopback\nssh:\n  user: root\n'
    printf '  identityFile: %s\n  knownHostsFile: %s\n  hostKeyPolicy: strict\nhosts:\n' "$LAB_KEY" "$DIR/known_hosts"
    for i in $(seq 1 "$N"); do
      printf '  - name: lb%s\n    address: %s\n    roles: [%s]\n' "$i" "$(addr "$i")" "$([ "$i" = 1 ] && echo control-plane || echo worker)"
    done
    # Nothing listens on these: the mirror probes fail fast on loopback.
    printf 'kubernetes:\n  version: 1.28.15\n  imageRepository: 127.0.9.1:5000/google_containers\n  packageRepository: http://127.0.9.1:8080/core/stable\n'
  } >"$DIR/inventory.yaml"
  for i in $(seq 1 "$N"); do
    local t=0
    until timeout 2 bash -c "exec 3<>/dev/tcp/$(addr "$i")/22" 2>/dev/null; do
      t=$((t + 1)); [ $t -lt 50 ] || { echo "lb$i: sshd not listening (see $DIR/run/lb$i.log)" >&2; exit 1; }
      sleep 0.1
    done
  done
  echo "loopback hosts up: $N; inventory $DIR/inventory.yaml"
}

down() {
  local f pid
  for f in "$DIR"/run/*.pid; do
    [ -f "$f" ] || continue
    read -r pid <"$f"
    [ "$(cat /proc/$pid/comm 2>/dev/null)" = sshd ] && kill "$pid" 2>/dev/null || true
    rm -f "$f"
  done
  echo "loopback hosts down"
}

case ${1:-} in up) up ;; down) down ;; *) echo "usage: $0 up|down" >&2; exit 2 ;; esac
