set -eu
# kube-packages probe: READ-ONLY.
file_sha() { if [ -f "$1" ]; then sha256sum "$1" | cut -d' ' -f1; else echo absent; fi; }
if command -v apt-get >/dev/null 2>&1; then
  echo "pkg=apt"
  echo "repo_sha=$(file_sha /etc/apt/sources.list.d/kubernetes.list)"
  if [ -s /etc/apt/keyrings/kubernetes-apt-keyring.gpg ]; then echo "keyring=present"; else echo "keyring=absent"; fi
  holds=$(apt-mark showhold 2>/dev/null || true)
  for p in kubeadm kubelet kubectl cri-tools; do
    status=$(dpkg-query -W -f='${Status} ${Version}' "$p" 2>/dev/null || true)
    case "$status" in
      *" ok installed "*) echo "installed_$p=${status#* ok installed }" ;;  # held: "hold ok installed"
      *) echo "installed_$p=absent" ;;
    esac
    if echo "$holds" | grep -qx "$p"; then echo "held_$p=yes"; else echo "held_$p=no"; fi
  done
else
  echo "pkg=dnf"
  echo "repo_sha=$(file_sha /etc/yum.repos.d/kubernetes.repo)"
  echo "keyring=present"
  locks=$(dnf versionlock list 2>/dev/null || true)
  for p in kubeadm kubelet kubectl cri-tools; do
    if rpm -q "$p" >/dev/null 2>&1; then echo "installed_$p=$(rpm -q --qf '%{VERSION}-%{RELEASE}' "$p")"; else echo "installed_$p=absent"; fi
    if echo "$locks" | grep -q "^$p-[0-9]"; then echo "held_$p=yes"; else echo "held_$p=no"; fi
  done
fi
if systemctl is-enabled --quiet kubelet 2>/dev/null; then echo "kubelet_enabled=yes"; else echo "kubelet_enabled=no"; fi
