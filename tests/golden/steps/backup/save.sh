set -eu
# kinstall backup (the first control plane): an etcd snapshot with the etcd client from the etcd
# image itself, verified, archived with the PKI kubeadm needs to rebuild the control plane and a
# small JSON manifest. Everything is written in a 0700 directory under /var/tmp (files 0600),
# removed by the EXIT trap on failure; on success kinstall downloads the archive, then removes the
# directory (cleanup.sh).
umask 077
manifests=/etc/kubernetes/manifests
pki=/etc/kubernetes/pki
cluster_json='"lab"'
host_json='"node1"'
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
em=$manifests/etcd.yaml
if [ ! -f "$em" ]; then
  echo "there is no $em: this control plane runs no kubeadm local (stacked) etcd; back an external etcd up with its own tools" >&2
  exit 3
fi
image=$(etcd_image_of "$em")
work=$(mktemp -d /var/tmp/kinstall-backup.XXXXXX)
chmod 700 "$work"
keep=no
cleanup() {
  unmount_image
  if [ "$keep" = no ]; then rm -rf -- "$work"; fi
}
trap cleanup EXIT
mkdir -m 700 "$work/bin" "$work/archive" "$work/archive/pki" "$work/archive/pki/etcd"
etcd_client_from_image "$image" "$work/bin"
export ETCDCTL_API=3
# kubeadm's own etcd client identity: the etcd CA and the healthcheck-client pair
# (cmd/kubeadm/app/util/etcd/etcd.go NewFromCluster), against the local member only.
ctl() {
  "$work/bin/etcdctl" --endpoints=https://127.0.0.1:2379 --cacert="$pki/etcd/ca.crt" \
    --cert="$pki/etcd/healthcheck-client.crt" --key="$pki/etcd/healthcheck-client.key" "$@"
}
snap=$work/archive/snapshot.db
ctl snapshot save "$snap" >&2
# The snapshot is checked by reading it back: etcdutl from 3.5 (etcdctl's `snapshot status` is
# deprecated there), etcdctl on 3.4 images, which have no etcdutl.
if [ -x "$work/bin/etcdutl" ]; then status=$("$work/bin/etcdutl" snapshot status -w json "$snap"); else status=$(ctl snapshot status -w json "$snap"); fi
case "$status" in
  '{'*'}') ;;
  *) echo "snapshot status of $snap printed no JSON status: the snapshot cannot be verified" >&2; exit 3 ;;
esac
etcd_version=$(ctl endpoint status -w json | sed -n 's/.*"version":"\([0-9A-Za-z.+-]*\)".*/\1/p')
# The Kubernetes version the control plane runs: the tag of the kube-apiserver image.
k8s_version=$(etcd_image_of "$manifests/kube-apiserver.yaml" 2>/dev/null | sed -n 's/.*:v\([0-9][0-9.]*\)$/\1/p')
for f in ca.crt ca.key sa.key sa.pub front-proxy-ca.crt front-proxy-ca.key etcd/ca.crt etcd/ca.key; do
  if [ -f "$pki/$f" ]; then cp "$pki/$f" "$work/archive/pki/$f"; chmod 600 "$work/archive/pki/$f"; echo "pki=$f"; fi
done
created=$(date -u +%Y-%m-%dT%H:%M:%SZ)
case "$image" in *[!A-Za-z0-9._:/@-]*) image=unknown ;; esac
printf '{\n  "kind": "KinstallBackup",\n  "version": 1,\n  "cluster": %s,\n  "host": %s,\n  "createdAt": "%s",\n  "kubernetesVersion": "%s",\n  "etcdVersion": "%s",\n  "etcdImage": "%s",\n  "snapshotStatus": %s\n}\n' \
  "$cluster_json" "$host_json" "$created" "${k8s_version:-unknown}" "${etcd_version:-unknown}" "$image" "$status" >"$work/archive/kinstall-backup.json"
tar -C "$work/archive" -czf "$work/backup.tar.gz" kinstall-backup.json snapshot.db pki
chmod 600 "$work/backup.tar.gz"
rm -rf -- "$work/archive" "$work/bin"
keep=yes
echo "work=$work"
echo "archive=$work/backup.tar.gz"
echo "sha256=$(sha256sum <"$work/backup.tar.gz" | cut -d' ' -f1)"
echo "created=$created"
echo "kubernetes_version=${k8s_version:-unknown}"
echo "etcd_version=${etcd_version:-unknown}"
echo "image=$image"
echo "status.b64=$(printf '%s' "$status" | base64 | tr -d '\n')"
