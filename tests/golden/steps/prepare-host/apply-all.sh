set -eu
# prepare-host apply: only the parts the plan found out of date. Every action is idempotent.
echo node1 > /etc/hostname
hostname node1
# Replace kinstall's block in /etc/hosts (or append it), keeping everything else.
tmp=$(mktemp /etc/hosts.kinstall.XXXXXX)
# The block's first and last lines are matched as plain text: awk reads them from the environment,
# so the cluster name is never part of an awk program or a regular expression.
KINSTALL_BEGIN="# BEGIN kinstall "lab" " KINSTALL_END="# END kinstall "lab
export KINSTALL_BEGIN KINSTALL_END
awk 'index($0, ENVIRON["KINSTALL_BEGIN"]) == 1 { skip = 1 } !skip { print } skip && $0 == ENVIRON["KINSTALL_END"] { skip = 0 }' /etc/hosts > "$tmp"
cat >> "$tmp" <<'KINSTALL_HOSTS_BLOCK'
# BEGIN kinstall lab (managed by kinstall; edits inside this block are overwritten)
10.77.0.11 node1
# END kinstall lab
KINSTALL_HOSTS_BLOCK
chmod 0644 "$tmp"
# /etc/hosts may be a bind mount (containers): rewrite in place instead of renaming over it.
cat "$tmp" > /etc/hosts
rm -f "$tmp"
swapoff -a || true
# Comment out swap lines, keeping a backup of the original fstab.
if awk '!/^[[:space:]]*#/ && $3 == "swap" { found = 1 } END { exit !found }' /etc/fstab; then
  cp -p /etc/fstab /etc/fstab.kinstall.bak
  sed -i -E '/^[[:space:]]*#/! s/^([^[:space:]]+[[:space:]]+[^[:space:]]+[[:space:]]+swap[[:space:]].*)$/# kinstall: swap off for kubelet: \1/' /etc/fstab
fi
for m in overlay br_netfilter; do
  # Built-in features have no module to load; the probe already counts them as present.
  modprobe "$m" 2>/dev/null || echo "note: modprobe $m failed (built into the kernel?)" >&2
done
# Load every sysctl.d file as at boot; keys of other packages may be read-only here (containers),
# so only ours must succeed.
sysctl --system >/dev/null 2>&1 || true
sysctl -p /etc/sysctl.d/99-kubernetes.conf >/dev/null
if command -v setenforce >/dev/null 2>&1; then setenforce 0 || true; fi
if [ -f /etc/selinux/config ]; then sed -i 's/^SELINUX=enforcing$/SELINUX=permissive/' /etc/selinux/config; fi
firewall-cmd --permanent --add-port=6443/tcp
firewall-cmd --permanent --add-port=2379-2380/tcp
firewall-cmd --permanent --add-port=10250/tcp
firewall-cmd --permanent --add-port=10257/tcp
firewall-cmd --permanent --add-port=10259/tcp
firewall-cmd --permanent --add-port=8472/udp
firewall-cmd --reload
dnf install -y chrony
systemctl enable --now chronyd || true
