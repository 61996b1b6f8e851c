#!/bin/sh
# kinstall preflight --fix for "r1": each part probes first, so running it twice changes nothing.
set -eu
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
LC_ALL=C
export LC_ALL
have() { command -v "$1" >/dev/null 2>&1; }
stamp=$(date +%Y%m%d%H%M%S)

# --- SELinux: permissive now and after reboot (original config kept) ---
if have getenforce && [ "$(getenforce 2>/dev/null || true)" = Enforcing ]; then
  setenforce 0
  echo "selinux: now permissive"
fi
if grep -q '^SELINUX=enforcing' /etc/selinux/config 2>/dev/null; then
  cp -p /etc/selinux/config "/etc/selinux/config.kinstall-$stamp.bak"
  sed -i 's/^SELINUX=enforcing/SELINUX=permissive/' /etc/selinux/config
  echo "selinux: SELINUX=permissive in /etc/selinux/config (backup /etc/selinux/config.kinstall-$stamp.bak)"
fi

# --- kernel modules: loaded now and at every boot; a kernel with them built in needs neither ---
want='br_netfilter
overlay
'
if [ "$(cat /etc/modules-load.d/kubernetes.conf 2>/dev/null || true)
" != "$want" ]; then
  mkdir -p /etc/modules-load.d
  printf '%s' "$want" > /etc/modules-load.d/kubernetes.conf
  echo "modules: wrote /etc/modules-load.d/kubernetes.conf"
fi
for m in br_netfilter overlay ; do
  if grep -q "^$m " /proc/modules 2>/dev/null; then continue; fi
  if modprobe "$m" 2>/dev/null; then
    echo "modules: loaded $m"
  elif [ -d "/sys/module/$m" ] || grep -q "/$m.ko" "/lib/modules/$(uname -r)/modules.builtin" 2>/dev/null; then
    echo "modules: $m is built into the kernel"
  else
    echo "modules: cannot load $m" >&2
  fi
done

# --- sysctls: one file kinstall owns, applied with the rest of the system's settings ---
want='net.ipv4.ip_forward = 1
net.bridge.bridge-nf-call-iptables = 1
net.bridge.bridge-nf-call-ip6tables = 1
'
if [ "$(cat /etc/sysctl.d/99-kubernetes.conf 2>/dev/null || true)
" != "$want" ]; then
  mkdir -p /etc/sysctl.d
  printf '%s' "$want" > /etc/sysctl.d/99-kubernetes.conf
  echo "sysctl: wrote /etc/sysctl.d/99-kubernetes.conf"
fi
# Other files' errors must not stop the fix; they are shown, and the re-check reports the result.
sysctl --system 2>&1 >/dev/null | sed 's/^/sysctl: /' >&2 || true
echo "sysctl: applied (sysctl --system)"

# --- firewall: open the role's ports in the active firewalld; the firewall stays on ---
for port in 6443/tcp 2379-2380/tcp 10250/tcp 10257/tcp 10259/tcp 30000-32767/tcp 8472/udp; do
  if ! firewall-cmd --query-port="$port" >/dev/null 2>&1; then
    firewall-cmd --add-port="$port" >/dev/null
    firewall-cmd --permanent --add-port="$port" >/dev/null
    echo "firewall: opened $port in firewalld"
  fi
done
