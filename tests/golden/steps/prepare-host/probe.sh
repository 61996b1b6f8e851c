set -eu
# prepare-host probe: READ-ONLY. Prints key=value lines for planPrepareHost().
file_sha() { if [ -f "$1" ]; then sha256sum "$1" | cut -d' ' -f1; else echo absent; fi; }
echo "hostname=$(cat /proc/sys/kernel/hostname)"
echo "etc_hostname=$(cat /etc/hostname 2>/dev/null || true)"
# Only kinstall's own block of /etc/hosts is compared; the rest belongs to the operator.
# The block's first and last lines are matched as plain text: awk reads them from the environment,
# so the cluster name is never part of an awk program or a regular expression.
KINSTALL_BEGIN="# BEGIN kinstall "lab" " KINSTALL_END="# END kinstall "lab
export KINSTALL_BEGIN KINSTALL_END
echo "hosts_block_sha=$(awk 'index($0, ENVIRON["KINSTALL_BEGIN"]) == 1 { p = 1 } p { print } p && $0 == ENVIRON["KINSTALL_END"] { p = 0 }' /etc/hosts 2>/dev/null | sha256sum | cut -d' ' -f1)"
echo "swaps_active=$(tail -n +2 /proc/swaps 2>/dev/null | wc -l | tr -d ' ')"
echo "fstab_swap=$(awk '!/^[[:space:]]*#/ && $3 == "swap"' /etc/fstab 2>/dev/null | wc -l | tr -d ' ')"
echo "modules_conf_sha=$(file_sha /etc/modules-load.d/kubernetes.conf)"
echo "sysctl_conf_sha=$(file_sha /etc/sysctl.d/99-kubernetes.conf)"
# A kernel without loadable modules has these built in: that counts as present.
if grep -q '^overlay ' /proc/modules 2>/dev/null || grep -qw overlay /proc/filesystems 2>/dev/null; then
  echo "module_overlay=present"
else
  echo "module_overlay=absent"
fi
if grep -q '^br_netfilter ' /proc/modules 2>/dev/null || [ -d /proc/sys/net/bridge ]; then
  echo "module_br_netfilter=present"
else
  echo "module_br_netfilter=absent"
fi
for key in net/ipv4/ip_forward net/bridge/bridge-nf-call-iptables net/bridge/bridge-nf-call-ip6tables; do
  echo "sysctl_$(echo "$key" | tr / .)=$(cat /proc/sys/$key 2>/dev/null || echo absent)"
done
if command -v getenforce >/dev/null 2>&1; then
  echo "selinux=$(getenforce | tr 'A-Z' 'a-z')"
elif [ -r /sys/fs/selinux/enforce ]; then
  if [ "$(cat /sys/fs/selinux/enforce)" = 1 ]; then echo "selinux=enforcing"; else echo "selinux=permissive"; fi
else
  echo "selinux=absent"
fi
echo "selinux_config=$(sed -n 's/^SELINUX=//p' /etc/selinux/config 2>/dev/null | head -n1)"
if command -v firewall-cmd >/dev/null 2>&1 && firewall-cmd --state >/dev/null 2>&1; then
  echo "firewall=firewalld"
  if firewall-cmd --query-port=6443/tcp >/dev/null 2>&1; then echo "port_open=6443/tcp"; fi
  if firewall-cmd --query-port=2379-2380/tcp >/dev/null 2>&1; then echo "port_open=2379-2380/tcp"; fi
  if firewall-cmd --query-port=10250/tcp >/dev/null 2>&1; then echo "port_open=10250/tcp"; fi
  if firewall-cmd --query-port=10257/tcp >/dev/null 2>&1; then echo "port_open=10257/tcp"; fi
  if firewall-cmd --query-port=10259/tcp >/dev/null 2>&1; then echo "port_open=10259/tcp"; fi
  if firewall-cmd --query-port=8472/udp >/dev/null 2>&1; then echo "port_open=8472/udp"; fi
elif command -v ufw >/dev/null 2>&1 && ufw status 2>/dev/null | grep -q '^Status: active'; then
  echo "firewall=ufw"
  if ufw status 2>/dev/null | grep -q '^6443/tcp[[:space:]].*ALLOW'; then echo "port_open=6443/tcp"; fi
  if ufw status 2>/dev/null | grep -q '^2379:2380/tcp[[:space:]].*ALLOW'; then echo "port_open=2379-2380/tcp"; fi
  if ufw status 2>/dev/null | grep -q '^10250/tcp[[:space:]].*ALLOW'; then echo "port_open=10250/tcp"; fi
  if ufw status 2>/dev/null | grep -q '^10257/tcp[[:space:]].*ALLOW'; then echo "port_open=10257/tcp"; fi
  if ufw status 2>/dev/null | grep -q '^10259/tcp[[:space:]].*ALLOW'; then echo "port_open=10259/tcp"; fi
  if ufw status 2>/dev/null | grep -q '^8472/udp[[:space:]].*ALLOW'; then echo "port_open=8472/udp"; fi
else
  echo "firewall=none"
fi
if command -v chronyd >/dev/null 2>&1 || command -v ntpd >/dev/null 2>&1 || command -v openntpd >/dev/null 2>&1 \
  || [ -x /lib/systemd/systemd-timesyncd ] || [ -x /usr/lib/systemd/systemd-timesyncd ]; then
  echo "timesync=present"
else
  echo "timesync=absent"
fi
# Host tools kubeadm and kinstall call (src/preflight/host-tools.ts): only the missing ones are listed.
if ! command -v conntrack >/dev/null 2>&1; then echo tool_missing=conntrack; fi
if ! command -v socat >/dev/null 2>&1; then echo tool_missing=socat; fi
if ! command -v ebtables >/dev/null 2>&1; then echo tool_missing=ebtables; fi
if ! command -v ethtool >/dev/null 2>&1; then echo tool_missing=ethtool; fi
if ! command -v ip >/dev/null 2>&1; then echo tool_missing=ip; fi
if ! command -v tc >/dev/null 2>&1; then echo tool_missing=tc; fi
if ! command -v iptables >/dev/null 2>&1; then echo tool_missing=iptables; fi
if ! command -v mount >/dev/null 2>&1; then echo tool_missing=mount; fi
if ! command -v nsenter >/dev/null 2>&1; then echo tool_missing=nsenter; fi
if ! command -v crictl >/dev/null 2>&1; then echo tool_missing=crictl; fi
if ! command -v touch >/dev/null 2>&1; then echo tool_missing=touch; fi
if ! command -v gpg >/dev/null 2>&1; then echo tool_missing=gpg; fi
if ! command -v curl >/dev/null 2>&1; then echo tool_missing=curl; fi
if ! command -v wget >/dev/null 2>&1; then echo tool_missing=wget; fi
# Packages an earlier run found missing from this host's sources (not retried, not drift).
if [ -f /var/lib/kinstall/unavailable-packages ]; then sed 's/^/pkg_unavailable=/' /var/lib/kinstall/unavailable-packages; fi
if command -v apt-get >/dev/null 2>&1; then echo "pkg=apt"; elif command -v dnf >/dev/null 2>&1; then echo "pkg=dnf"; else echo "pkg=yum"; fi
