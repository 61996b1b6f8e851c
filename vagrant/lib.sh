# Shared settings for the Vagrant scripts (sourced, not run). Everything the Vagrant stage makes
# lives in $VAG_WORK or is named kvag*, so teardown can find all of it.

VAG_REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VAG_SRC=$VAG_REPO_ROOT/vagrant
VAG_WORK=${KINSTALL_VAGRANT_WORK:-$VAG_REPO_ROOT/.vagrant-work}
VAG_BOX_DISK_GB=${KINSTALL_BOX_DISK_GB:-8}
export KINSTALL_BOX=${KINSTALL_BOX:-local/bookworm}
# Boxes and plugins state stay in the work directory, never in ~/.vagrant.d.
export VAGRANT_HOME=${VAGRANT_HOME:-$VAG_WORK/vagrant-home}
export VAGRANT_CHECKPOINT_DISABLE=1 VAGRANT_DEFAULT_PROVIDER=${VAGRANT_DEFAULT_PROVIDER:-libvirt}

log() { printf '[vagrant] %s\n' "$*" >&2; }
die() { printf '[vagrant] ERROR: %s\n' "$*" >&2; exit 1; }

vagrant_insecure_pubkey() {
  local f
  for f in /usr/share/rubygems-integration/all/gems/vagrant-*/keys/vagrant.pub /opt/vagrant/embedded/gems/gems/vagrant-*/keys/vagrant.pub; do
    [ -f "$f" ] && { echo "$f"; return 0; }
  done
  die "Vagrant's insecure public key (keys/vagrant.pub) not found: is the vagrant package installed?"
}
