#!/bin/sh
# kinstall preflight --fix for "u1": each part probes first, so running it twice changes nothing.
set -eu
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
LC_ALL=C
export LC_ALL
have() { command -v "$1" >/dev/null 2>&1; }
stamp=$(date +%Y%m%d%H%M%S)

# --- swap: off now, and the fstab lines that turn it on at boot commented (original kept) ---
if [ -n "$(tail -n +2 /proc/swaps)" ]; then
  # swapoff -a says nothing about entries it could not turn off, so look again and name them.
  rc=0
  swapoff -a || rc=$?
  still=$(sed -n '2,$s/[[:space:]].*//p' /proc/swaps | tr '\n' ' ')
  if [ -n "$still" ]; then
    echo "swap: NOT turned off: swapoff -a exited $rc and swap is still active on: $still" >&2
    exit 1
  fi
  echo "swap: turned off"
fi
swap_line='^[[:space:]]*[^#[:space:]][^[:space:]]*[[:space:]]+[^[:space:]]+[[:space:]]+swap([[:space:]]|$)'
if grep -Eq "$swap_line" /etc/fstab 2>/dev/null; then
  cp -p /etc/fstab "/etc/fstab.kinstall-$stamp.bak"
  sed -E -i "s/($swap_line.*)$/# disabled by kinstall (kubelet needs swap off): \1/" /etc/fstab
  echo "swap: commented the swap lines in /etc/fstab (backup /etc/fstab.kinstall-$stamp.bak)"
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
