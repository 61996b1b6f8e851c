set -eu
# join probe (joining host): READ-ONLY. What kubeadm left here, if anything.
for f in kubelet.conf pki/ca.crt manifests/kube-apiserver.yaml; do
  key=$(echo "$f" | tr '/.-' '___')
  if [ -f "/etc/kubernetes/$f" ]; then echo "$key=yes"; else echo "$key=no"; fi
done
