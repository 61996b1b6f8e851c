set -eu
# prepare-host apply: only the parts the plan found out of date. Every action is idempotent.
# Load every sysctl.d file as at boot; keys of other packages may be read-only here (containers),
# so only ours must succeed.
sysctl --system >/dev/null 2>&1 || true
sysctl -p /etc/sysctl.d/99-kubernetes.conf >/dev/null
ufw allow 10250/tcp
ufw allow 30000:32767/tcp
ufw allow 8472/udp
apt-get -o DPkg::Lock::Timeout=300 update -q
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -q systemd-timesyncd
