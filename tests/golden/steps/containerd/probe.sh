set -eu
# containerd probe: READ-ONLY (no apt-get update: the candidates come from the current lists).
file_sha() { if [ -f "$1" ]; then sha256sum "$1" | cut -d' ' -f1; else echo absent; fi; }
if command -v apt-get >/dev/null 2>&1; then
  echo "pkg=apt"
  # A held package reads "hold ok installed", not "install ok installed".
  status=$(dpkg-query -W -f='${Status} ${Version}' containerd 2>/dev/null || true)
  case "$status" in
    *" ok installed "*) echo "installed=${status#* ok installed }" ;;
    *) echo "installed=absent" ;;
  esac
  if apt-mark showhold 2>/dev/null | grep -qx containerd; then echo "held=yes"; else echo "held=no"; fi
  # One apt-cache call (it reads every list, ~1 s; LC_ALL=C: the labels are translated): the Candidate line is what "apt-get install
  # containerd" would pick (unpinned inventories; checked against the containerd <-> Kubernetes
  # table before anything is installed; "(none)": no source offers it), the version table every
  # available version, newest first ("***" marks the installed one).
  # Whether apt has any package lists at all: without them "(none)" means "not read yet" (a fresh
  # cloud image before its first apt-get update), not "not offered".
  if ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1; then echo "apt_lists=yes"; else echo "apt_lists=no"; fi
  LC_ALL=C apt-cache policy containerd 2>/dev/null | awk '
    /^  Candidate:/ { print "policy_candidate=" $2; next }
    /^  Version table:/ { table = 1; next }
    # version lines are indented 5 (or " *** "), their priority/source lines 8
    table && /^ \*\*\* / { print "candidate=" $2; next }
    table && /^     [^ ]/ { print "candidate=" $1 }'
else
  echo "pkg=dnf"
  if rpm -q containerd.io >/dev/null 2>&1; then
    echo "installed=$(rpm -q --qf '%{VERSION}-%{RELEASE}' containerd.io)"
  else
    echo "installed=absent"
  fi
  if dnf versionlock list 2>/dev/null | grep -q '^containerd.io-'; then echo "held=yes"; else echo "held=no"; fi
  # dnf's newest containerd.io from the configured repositories (cache only: read-only, no
  # network). Empty when Docker's repository is not configured yet (up adds it).
  echo "policy_candidate=$(dnf -q -C repoquery --latest-limit=1 --qf '%{version}-%{release}' containerd.io 2>/dev/null | tail -n1 || true)"
fi
# The host's architecture, for source: binary ({arch} in binaryUrl and binarySha256).
echo "uname_m=$(uname -m)"
if command -v dpkg >/dev/null 2>&1; then echo "dpkg_arch=$(dpkg --print-architecture)"; fi
if command -v containerd >/dev/null 2>&1; then
  echo "binary_version=$(containerd --version 2>/dev/null | awk '{print $3}')"
else
  echo "binary_version=absent"
fi
echo "archive_sha=$(cat /usr/local/lib/kinstall/containerd-archive.sha256 2>/dev/null || echo absent)"
echo "config_sha=$(file_sha /etc/containerd/config.toml)"
echo "file_sha:"/etc/containerd/certs.d/docker.io/hosts.toml"=$(file_sha /etc/containerd/certs.d/docker.io/hosts.toml)"
echo "file_sha:"/etc/containerd/certs.d/10.77.255.1:5000/hosts.toml"=$(file_sha /etc/containerd/certs.d/10.77.255.1:5000/hosts.toml)"
if systemctl is-active --quiet containerd 2>/dev/null; then echo "active=yes"; else echo "active=no"; fi
# CRI v1 must answer; docker's containerd.io ships a config with the cri plugin disabled.
if [ -f /etc/containerd/config.toml ] && grep -Eq '^[[:space:]]*disabled_plugins[[:space:]]*=.*"cri"' /etc/containerd/config.toml; then
  echo "cri=disabled"
elif [ ! -S /run/containerd/containerd.sock ]; then
  # without the socket ctr would wait ~10 s before failing
  echo "cri=down"
elif command -v crictl >/dev/null 2>&1; then
  if crictl --runtime-endpoint unix:///run/containerd/containerd.sock version >/dev/null 2>&1; then echo "cri=ok"; else echo "cri=down"; fi
elif command -v ctr >/dev/null 2>&1; then
  # No crictl: ask containerd itself whether its CRI plugin loaded (STATUS is the last column).
  if plugins=$(ctr plugins ls 2>/dev/null); then
    st=$(echo "$plugins" | awk '$1 == "io.containerd.grpc.v1" && $2 == "cri" { print $NF }')
  else
    st=unreachable
  fi
  case "$st" in
    ok) echo "cri=ok" ;;
    "") echo "cri=disabled" ;;
    *) echo "cri=down" ;;
  esac
else
  echo "cri=down"
fi
