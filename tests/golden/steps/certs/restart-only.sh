set -eu
# certs renew (one control plane): renew, then restart the control-plane static pods the way the
# kubeadm documentation says (move their manifests out, wait until the kubelet has stopped them,
# move them back), so they load the new certificates.
manifests=/etc/kubernetes/manifests
aside=/etc/kubernetes/kinstall/manifests-aside
readyz=https://10.77.0.11:6443/readyz
stop_seconds=120
ready_seconds=300
answers() { curl -s -o /dev/null --max-time 5 --cacert /etc/kubernetes/pki/ca.crt "$readyz"; }
ready() { [ "$(curl -s --max-time 5 --cacert /etc/kubernetes/pki/ca.crt "$readyz" 2>/dev/null)" = ok ]; }
mkdir -p "$aside"
chmod 700 "$aside"
moved=no
for m in etcd kube-apiserver kube-controller-manager kube-scheduler; do
  if [ -f "$manifests/$m.yaml" ]; then mv "$manifests/$m.yaml" "$aside/"; moved=yes; fi
done
if [ "$moved" = yes ]; then
  # The kubelet stops a static pod when its manifest goes; the API server no longer answering is
  # the sign it has (it stops all of them in the same sync).
  deadline=$(( $(date +%s) + $stop_seconds ))
  while answers; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      mv "$aside"/*.yaml "$manifests/"
      echo "the kubelet did not stop the kube-apiserver within $stop_seconds s of its manifest leaving $manifests (manifests moved back; is the kubelet running?)" >&2
      exit 1
    fi
    sleep 1
  done
fi
for m in "$aside"/*.yaml; do
  if [ -f "$m" ]; then mv "$m" "$manifests/"; fi
done
rmdir "$aside"
deadline=$(( $(date +%s) + $ready_seconds ))
until ready; do
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "the API server at $readyz did not answer ok within $ready_seconds s of the restart (journalctl -u kubelet, crictl ps -a)" >&2
    exit 1
  fi
  sleep 2
done
echo "readyz=ok"
