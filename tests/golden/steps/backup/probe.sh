set -eu
# backup / restore probe (the first control plane): READ-ONLY. What the backup or restore would use:
# the etcd static pod manifest (in its place, or parked by an interrupted restore), its image and
# whether containerd has it, the member flags a restore needs, the data directory, and kubeadm's
# PKI (which files exist; the CA certificates' sha256, compared with the archive's).
manifests=/etc/kubernetes/manifests
aside=/etc/kubernetes/kinstall/restore-manifests
pki=/etc/kubernetes/pki
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
if [ -f "$manifests/etcd.yaml" ]; then em=$manifests/etcd.yaml; echo "manifest=in-place"
elif [ -f "$aside/etcd.yaml" ]; then em=$aside/etcd.yaml; echo "manifest=aside"
else echo "manifest=none"; exit 0; fi
for m in "$aside"/*.yaml; do
  if [ -f "$m" ]; then echo "aside=${m##*/}"; fi
done
image=$(etcd_image_of "$em")
echo "image=$image"
if command -v ctr >/dev/null 2>&1; then
  if ctr -n k8s.io images ls -q | grep -qxF "$image"; then echo "image_present=yes"; else echo "image_present=no"; fi
else
  echo "image_present=no-ctr"
fi
flag() { sed -n "s/^[[:space:]]*- --$1=//p" "$em" | head -n 1 | tr -d "\"'"; }
echo "name=$(flag name)"
echo "initial_cluster=$(flag initial-cluster)"
echo "peer_urls=$(flag initial-advertise-peer-urls)"
data_dir=$(flag data-dir)
echo "data_dir=$data_dir"
if [ -n "$data_dir" ] && [ -d "$data_dir/member" ]; then echo "data=yes"; else echo "data=no"; fi
for f in ca.crt ca.key sa.key sa.pub front-proxy-ca.crt front-proxy-ca.key etcd/ca.crt etcd/ca.key; do
  if [ -f "$pki/$f" ]; then echo "pki_present=$f"; fi
done
for f in ca.crt front-proxy-ca.crt etcd/ca.crt; do
  if [ -f "$pki/$f" ]; then echo "ca_sha256=$f:$(sha256sum <"$pki/$f" | cut -d' ' -f1)"; fi
done
if [ -d /etc/kubernetes/kinstall/restore ]; then echo "restore_work=yes"; fi
