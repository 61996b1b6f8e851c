# Lab servers on $LAB_GW_IP (sourced by up.sh / down.sh): apt-cacher-ng, the lab apt repository
# over HTTP, and Debian's docker-registry. Each runs in the foreground under setsid with a pid
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

wait_for_port() { # port, what
  local t=0
  until (exec 3<>"/dev/tcp/$LAB_GW_IP/$1") 2>/dev/null; do
    t=$((t + 1)); [ $t -lt 100 ] || die "$2 does not listen on $LAB_GW_IP:$1 (see $LAB_RUN)"
    sleep 0.1
  done
}

start_servers() {
  start_apt_proxy
  start_apt_repo
  start_registry
  wait_for_port "$LAB_PROXY_PORT" apt-cacher-ng
  wait_for_port "$LAB_REPO_PORT" 'apt repository server'
  wait_for_port "$LAB_REGISTRY_PORT" docker-registry
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
}
