# Lab servers on $LAB_GW_IP (sourced by up.sh / down.sh): apt-cacher-ng, the lab apt repository
# over HTTP, Debian's docker-registry, and the redirecting fronts (fronts.py) before the last two. Each runs in the foreground under setsid with a pid
# file in $LAB_RUN, so down.sh stops exactly what the lab started (never the machine's own services).

start_server() { # name, then the command
  local name=$1; shift
  pidfile_alive "$LAB_RUN/$name.pid" && return 0
  setsid "$@" >"$LAB_RUN/$name.log" 2>&1 </dev/null &
  echo $! >"$LAB_RUN/$name.pid"
}

start_apt_proxy() {
  local conf=$LAB_DIR/acng/conf
  mkdir -p "$conf" "$LAB_DIR/acng/cache" "$LAB_DIR/acng/log"
  cp /etc/apt-cacher-ng/*.conf /etc/apt-cacher-ng/backends_* "$conf/" 2>/dev/null || true
  # The package default backend (ftp.debian.org) does not resolve here.
  echo 'http://deb.debian.org/debian/' >"$conf/backends_debian"
  # Runs as root from its own config copy; the cache is kept between runs (fast warm installs).
  start_server apt-cacher-ng apt-cacher-ng -c "$conf" ForeGround=1 \
    CacheDir="$LAB_DIR/acng/cache" LogDir="$LAB_DIR/acng/log" SocketPath="$LAB_RUN/acng.socket" \
    BindAddress="$LAB_GW_IP" Port="$LAB_PROXY_PORT" PidFile="$LAB_RUN/acng.daemon.pid"
}

start_apt_repo() {
  mkdir -p "$LAB_DIR/repo"
  start_server apt-repo python3 -m http.server "$LAB_REPO_PORT" --bind "$LAB_GW_IP" --directory "$LAB_DIR/repo"
}

start_registry() {
  mkdir -p "$LAB_DIR/registry"
  cat >"$LAB_RUN/registry.yml" <<YML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $LAB_DIR/registry
  delete:
    enabled: true
http:
  addr: $LAB_REGISTRY
YML
  start_server registry docker-registry serve "$LAB_RUN/registry.yml"
}

# The lab CA (kept between runs: hosts trust it) and the fronts' certificate for every name of
# LAB_NAMES, re-issued when that list changes.
lab_ca_up() {
  local names sans
  mkdir -p "$LAB_CA"
  if [ ! -s "$LAB_CA/ca.crt" ]; then
    (umask 077; openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
      -subj "/CN=kinstall lab CA" -keyout "$LAB_CA/ca.key" -out "$LAB_CA/ca.crt" 2>/dev/null) || die "cannot create the lab CA in $LAB_CA"
  fi
  names=$(for p in $LAB_NAMES; do echo "${p%%=*}"; done)
  if [ "$(cat "$LAB_CA/names" 2>/dev/null)" != "$names" ] || [ ! -s "$LAB_CA/server.crt" ]; then
    sans=$(echo "$names" | sed 's/^/DNS:/' | paste -sd,)
    (umask 077; openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=kinstall lab fronts" \
      -keyout "$LAB_CA/server.key" -out "$LAB_CA/server.csr" 2>/dev/null
    openssl x509 -req -in "$LAB_CA/server.csr" -CA "$LAB_CA/ca.crt" -CAkey "$LAB_CA/ca.key" -CAcreateserial \
      -days 825 -extfile <(printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "$sans") -out "$LAB_CA/server.crt" 2>/dev/null) \
      || die "cannot issue the fronts' certificate in $LAB_CA"
    echo "$names" >"$LAB_CA/names"
  fi
}

# The fronts, shaped like the world's (see fronts.py). By address (plain HTTP): the package front
# answers 302 from the pkgs.k8s.io path (/core:/stable:/v1.28/deb/...) to the repository on another
# host:port and path, the registry front 307 on every /v2/ request to the registry. By the real
# names (HTTPS, lab CA): pkgs.k8s.io -> 302 -> the packages CDN (files of LAB_DIR/repo under another
# path); registry.k8s.io -> 307 -> the registry CDN, where kubeadm's images live under
# google_containers/; registry-1.docker.io (docker.io) -> 307 -> the registry CDN as is.
start_fronts() {
  local cdn=https://$LAB_CDN_REGISTRY_NAME
  start_server fronts /usr/bin/python3 "$LAB_SRC/services/fronts.py" --log "$LAB_RUN/fronts.access.log" \
    --cert "$LAB_CA/server.crt" --key "$LAB_CA/server.key" \
    --front "$LAB_FRONT_PKGS_IP:80" 302 /core:/stable:/ "http://$LAB_GW_IP:$LAB_REPO_PORT/core/stable/" \
    --front "$LAB_FRONT_REGISTRY_IP:80" 307 /v2/ "http://$LAB_REGISTRY/v2/" \
    --front "$LAB_FRONT_PKGS_IP:443" 302 /core:/stable:/ "https://$LAB_CDN_PKGS_NAME/repositories/core:/stable:/" \
    --serve "$LAB_CDN_PKGS_IP:443" /repositories/core:/stable:/ "$LAB_DIR/repo/core/stable/" \
    --front "$LAB_FRONT_REGISTRY_IP:443" 307 '/v2/$' "$cdn/v2/" \
    --front "$LAB_FRONT_REGISTRY_IP:443" 307 /v2/ "$cdn/v2/google_containers/" \
    --front "$LAB_FRONT_DOCKERHUB_IP:443" 307 /v2/ "$cdn/v2/" \
    --tls "$LAB_FRONT_PKGS_IP:443" --tls "$LAB_CDN_PKGS_IP:443" --tls "$LAB_FRONT_REGISTRY_IP:443" --tls "$LAB_FRONT_DOCKERHUB_IP:443"
}

# The registry CDN: a second docker-registry on the same storage, over TLS (the lab CA).
start_registry_cdn() {
  cat >"$LAB_RUN/registry-cdn.yml" <<YML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $LAB_DIR/registry
http:
  addr: $LAB_CDN_REGISTRY_IP:443
  tls:
    certificate: $LAB_CA/server.crt
    key: $LAB_CA/server.key
YML
  start_server registry-cdn docker-registry serve "$LAB_RUN/registry-cdn.yml"
}

# The lab DNS: the real names above and nothing else (no upstream, no /etc/hosts), so a host's
# lookup of any other name fails instead of leaving the lab.
start_dns() {
  local p args=()
  for p in $LAB_NAMES; do args+=("--address=/${p%%=*}/${p#*=}"); done
  start_server dns dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts --no-poll \
    --bind-interfaces --listen-address="$LAB_DNS_IP" --port=53 --user=root --log-facility=- \
    --pid-file="$LAB_RUN/dnsmasq.daemon.pid" "${args[@]}"
}

wait_for_port() { # port, what[, address]
  local t=0 addr=${3:-$LAB_GW_IP}
  until (exec 3<>"/dev/tcp/$addr/$1") 2>/dev/null; do
    t=$((t + 1)); [ $t -lt 100 ] || die "$2 does not listen on $addr:$1 (see $LAB_RUN)"
    sleep 0.1
  done
}

start_servers() {
  start_apt_proxy
  start_apt_repo
  start_registry
  lab_ca_up
  start_fronts
  start_registry_cdn
  start_dns
  wait_for_port "$LAB_PROXY_PORT" apt-cacher-ng
  wait_for_port "$LAB_REPO_PORT" 'apt repository server'
  wait_for_port "$LAB_REGISTRY_PORT" docker-registry
  wait_for_port 80 'package front' "$LAB_FRONT_PKGS_IP"
  wait_for_port 80 'registry front' "$LAB_FRONT_REGISTRY_IP"
  wait_for_port 443 'registry CDN' "$LAB_CDN_REGISTRY_IP"
  wait_for_port 53 'lab DNS' "$LAB_DNS_IP"
}

# Stop a pid-file server: SIGTERM, a deadline, then SIGKILL.
stop_pidfile() {
  local pidfile=$1 pid t=0
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  if pid_alive "$pid"; then
    kill "$pid" 2>/dev/null || true
    while pid_alive "$pid" && [ $t -lt 50 ]; do sleep 0.1; t=$((t + 1)); done
    pid_alive "$pid" && kill -9 "$pid" 2>/dev/null
    while pid_alive "$pid"; do sleep 0.05; done
  fi
  rm -f "$pidfile"
}

stop_servers() {
  stop_pidfile "$LAB_RUN/apt-cacher-ng.pid"
  stop_pidfile "$LAB_RUN/apt-repo.pid"
  stop_pidfile "$LAB_RUN/registry.pid"
  stop_pidfile "$LAB_RUN/fronts.pid"
  stop_pidfile "$LAB_RUN/registry-cdn.pid"
  stop_pidfile "$LAB_RUN/dns.pid"
}
