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

# The fronts, shaped like the world's (see fronts.py): the package front answers 302 from the
# pkgs.k8s.io path (/core:/stable:/v1.28/deb/...) to the repository on another host:port and path
# (the "CDN"); the registry front answers 307 to every /v2/ request, to the registry itself.
start_fronts() {
  start_server fronts python3 "$LAB_SRC/services/fronts.py" --log "$LAB_RUN/fronts.access.log" \
    --front "$LAB_FRONT_PKGS_IP:80" 302 /core:/stable:/ "http://$LAB_GW_IP:$LAB_REPO_PORT/core/stable/" \
    --front "$LAB_FRONT_REGISTRY_IP:80" 307 /v2/ "http://$LAB_REGISTRY/v2/"
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
  start_fronts
  wait_for_port "$LAB_PROXY_PORT" apt-cacher-ng
  wait_for_port "$LAB_REPO_PORT" 'apt repository server'
  wait_for_port "$LAB_REGISTRY_PORT" docker-registry
  wait_for_port 80 'package front' "$LAB_FRONT_PKGS_IP"
  wait_for_port 80 'registry front' "$LAB_FRONT_REGISTRY_IP"
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
}
