set -eu
# kinstall restore (a single control plane): the etcd snapshot of a kinstall backup archive becomes
# the member's data again. Runnable again after an interruption: the state lives in the work dir
# ($work/state: where the old data went; $work/restored: the restore is done) and the manifests
# parked in $aside are put back. The old data directory is moved aside, never deleted.
umask 077
manifests=/etc/kubernetes/manifests
aside=/etc/kubernetes/kinstall/restore-manifests
pki=/etc/kubernetes/pki
work=/etc/kubernetes/kinstall/restore
stamp=20261130T062000Z
readyz=https://10.77.0.11:6443/readyz
stop_seconds=120
ready_seconds=300
# etcdctl (and etcdutl from etcd 3.5) come from the etcd image kubeadm already runs on this
# control plane (the image: of its etcd static pod manifest): upstream's registry.k8s.io/etcd image
# carries them in /usr/local/bin (kubernetes/kubernetes cluster/images/etcd/Dockerfile, "COPY etcd*
# etcdctl* /usr/local/bin/"). So the client is the server's own version, nothing is downloaded
# (air-gapped hosts work) and nothing is installed. The image is mounted read-only (`ctr images
# mount` without --rw is a snapshotter View, containerd cmd/ctr/commands/images/mount.go) and
# unmounted with its snapshot and lease (`unmount --rm`, unmount.go) as soon as the copy is made.
etcd_image_of() { # $1: a static pod manifest -> its first image: (kubeadm's etcd pod has one container)
  sed -n 's/^[[:space:]-]*image:[[:space:]]*//p' "$1" | head -n 1 | tr -d "\"'"
}
mounted=
unmount_image() {
  if [ -n "$mounted" ]; then ctr -n k8s.io images unmount --rm "$mounted" >/dev/null 2>&1 || true; mounted=; fi
}
etcd_client_from_image() { # $1: image, $2: a 0700 directory that receives etcdctl [and etcdutl]
  if ! command -v ctr >/dev/null 2>&1; then
    echo "ctr (containerd's client) is not installed: kinstall takes etcdctl from the etcd image in containerd, which kubeadm hosts have" >&2
    exit 3
  fi
  if ! ctr -n k8s.io images ls -q | grep -qxF "$1"; then
    echo "the etcd image $1 (the image: of the etcd static pod manifest) is not in containerd's k8s.io namespace: kinstall takes etcdctl from the image kubeadm runs, so this control plane was not set up by kubeadm with containerd, or the image was removed (crictl pull $1 brings it back)" >&2
    exit 3
  fi
  mkdir -m 700 "$2/image"
  mounted=$2/image
  ctr -n k8s.io images mount "$1" "$2/image" >/dev/null
  if [ ! -f "$2/image/usr/local/bin/etcdctl" ]; then
    echo "the etcd image $1 has no /usr/local/bin/etcdctl (upstream's registry.k8s.io/etcd images have it): is it an etcd image?" >&2
    exit 3
  fi
  cp "$2/image/usr/local/bin/etcdctl" "$2/etcdctl"
  if [ -f "$2/image/usr/local/bin/etcdutl" ]; then cp "$2/image/usr/local/bin/etcdutl" "$2/etcdutl"; fi
  unmount_image
  rmdir "$2/image"
  chmod 700 "$2"/etc*
}
fail() { echo "$*" >&2; exit 1; }
trap unmount_image EXIT
[ -f "$work/archive.tar.gz" ] || fail "the uploaded archive $work/archive.tar.gz is missing"
chmod 700 "$work"
rm -rf -- "$work/x" "$work/bin"
mkdir -m 700 "$work/x" "$work/bin"
tar -C "$work/x" -xzf "$work/archive.tar.gz"
snap=$work/x/snapshot.db
[ -f "$snap" ] || fail "the archive holds no snapshot.db: not a kinstall backup"
if [ -f "$manifests/etcd.yaml" ]; then em=$manifests/etcd.yaml
elif [ -f "$aside/etcd.yaml" ]; then em=$aside/etcd.yaml
else fail "no etcd static pod manifest in $manifests (nor in $aside): this host runs no kubeadm local etcd"; fi
# The member's identity as kubeadm wrote it (cmd/kubeadm/app/phases/etcd/local.go getEtcdCommand).
flag() { sed -n "s/^[[:space:]]*- --$1=//p" "$em" | head -n 1 | tr -d "\"'"; }
name=$(flag name)
initial_cluster=$(flag initial-cluster)
peer_urls=$(flag initial-advertise-peer-urls)
data_dir=$(flag data-dir)
[ -n "$name" ] && [ -n "$initial_cluster" ] && [ -n "$peer_urls" ] && [ -n "$data_dir" ] \
  || fail "$em lacks one of --name, --initial-cluster, --initial-advertise-peer-urls, --data-dir"
case "$data_dir" in /?*) ;; *) fail "--data-dir $data_dir in $em is not an absolute path" ;; esac
etcd_client_from_image "$(etcd_image_of "$em")" "$work/bin"
export ETCDCTL_API=3
if [ -x "$work/bin/etcdutl" ]; then util=$work/bin/etcdutl; else util=$work/bin/etcdctl; fi
# Verified before anything stops: a corrupt archive changes nothing.
status=$("$util" snapshot status -w json "$snap") || fail "snapshot status rejected the archive's snapshot.db"
echo "status.b64=$(printf '%s' "$status" | base64 | tr -d '\n')"
# A CA that differs from the archive's belongs to another cluster (or was rotated): the restored
# objects (service account tokens, certificates in secrets) would not match it.
for f in ca.crt front-proxy-ca.crt etcd/ca.crt; do
  if [ -f "$pki/$f" ] && [ -f "$work/x/pki/$f" ] && ! cmp -s "$pki/$f" "$work/x/pki/$f"; then
    fail "$pki/$f differs from the archive's: this backup belongs to another cluster or its CA was replaced since"
  fi
done
# PKI from the archive only where missing (a same-cluster restore keeps its own).
for f in ca.crt ca.key sa.key sa.pub front-proxy-ca.crt front-proxy-ca.key etcd/ca.crt etcd/ca.key; do
  if [ ! -f "$pki/$f" ] && [ -f "$work/x/pki/$f" ]; then
    case "$f" in *.key) mode=600 ;; *) mode=644 ;; esac
    install -D -m "$mode" "$work/x/pki/$f" "$pki/$f"
    echo "pki_written=$f"
  fi
done
# A socket listening on port 2379 (hex 094B, state 0A) in this host's network namespace, from
# /proc (ss and netstat are not on every minimal host).
listening() { awk '$4 == "0A" && $2 ~ /:094B$/ { found = 1 } END { exit !found }' /proc/net/tcp /proc/net/tcp6 2>/dev/null; }
if [ ! -f "$work/restored" ]; then
  # Stop the control plane the kubeadm way: the kubelet stops a static pod whose manifest goes.
  mkdir -p "$aside"
  chmod 700 "$aside"
  for m in etcd kube-apiserver kube-controller-manager kube-scheduler; do
    if [ -f "$manifests/$m.yaml" ]; then mv "$manifests/$m.yaml" "$aside/"; fi
  done
  deadline=$(( $(date +%s) + stop_seconds ))
  while listening; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      mv "$aside"/*.yaml "$manifests/"
      fail "etcd still listens on port 2379 $stop_seconds s after its manifest left $manifests (manifests moved back, nothing restored; is the kubelet running?)"
    fi
    sleep 1
  done
  if [ -f "$work/state" ]; then
    # An interrupted run moved the old data aside already: what is in $data_dir is its partial restore.
    rm -rf -- "$data_dir"
  elif [ -e "$data_dir" ]; then
    mv -- "$data_dir" "$data_dir.before-restore-$stamp"
    printf '%s\n' "$data_dir.before-restore-$stamp" >"$work/state"
  else
    printf '%s\n' "(none: $data_dir did not exist)" >"$work/state"
  fi
  # etcdutl snapshot restore (etcd-io/etcd etcdutl/README.md "SNAPSHOT RESTORE"; etcdctl's on 3.4,
  # etcdctl/ctlv3/command/snapshot_command.go): a new single-member cluster with this member's
  # name and peer URL, in the data directory the manifest names.
  "$util" snapshot restore "$snap" --name "$name" --initial-cluster "$initial_cluster" \
    --initial-advertise-peer-urls "$peer_urls" --data-dir "$data_dir" >&2
  chmod 700 "$data_dir"
  touch "$work/restored"
fi
echo "before=$(cat "$work/state")"
echo "data_dir=$data_dir"
echo "name=$name"
for m in "$aside"/*.yaml; do
  if [ -f "$m" ]; then mv "$m" "$manifests/"; fi
done
rmdir "$aside" 2>/dev/null || true
ready() { [ "$(curl -s --max-time 5 --cacert "$pki/ca.crt" "$readyz" 2>/dev/null)" = ok ]; }
deadline=$(( $(date +%s) + ready_seconds ))
until ready; do
  if [ "$(date +%s)" -ge "$deadline" ]; then
    fail "the API server at $readyz did not answer ok within $ready_seconds s of the restore (journalctl -u kubelet; crictl ps -a); kinstall restore again finishes it"
  fi
  sleep 2
done
echo "readyz=ok"
# The archive holds private keys: it leaves the host once the restore is done.
rm -rf -- "$work"
