set -eu
# endpoint probe (node-local balancer): READ-ONLY.
if command -v apt-get >/dev/null 2>&1; then echo "pkg=apt"; else echo "pkg=dnf"; fi
if command -v haproxy >/dev/null 2>&1; then echo "haproxy=yes"; else echo "haproxy=no"; fi
if [ -f /etc/haproxy/haproxy.cfg ]; then echo "config_sha=$(sha256sum /etc/haproxy/haproxy.cfg | cut -d' ' -f1)"; else echo "config_sha=absent"; fi
echo "active=$(systemctl is-active haproxy 2>/dev/null || true)"
echo "enabled=$(systemctl is-enabled haproxy 2>/dev/null || true)"
# Who listens on the balancer's port (preflight: free, or haproxy = ours).
if command -v ss >/dev/null 2>&1; then
  port=7443
  ss -Hltnp "sport = :$port" 2>/dev/null | sed -n 's/.*users:(("\([^"]*\)".*/listener=\1/p' | head -n 1
fi
