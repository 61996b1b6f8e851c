set -eu
# containerd.io from Docker's repository (RHEL family), pinned with dnf versionlock.
dnf install -y -q dnf-plugins-core python3-dnf-plugin-versionlock
if [ ! -f /etc/yum.repos.d/docker-ce.repo ]; then
  dnf config-manager --add-repo https://download.docker.com/linux/centos/docker-ce.repo
fi
dnf versionlock delete containerd.io >/dev/null 2>&1 || true
dnf install -y -q --allowerasing containerd.io-1.7.25
dnf versionlock add containerd.io
