set -eu
# certs probe (one control plane): READ-ONLY. Reports kubeadm's expiry table, whether the API
# server on this host serves the certificate now on disk (a renewal without a restart does not),
# and manifests left aside by an interrupted restart.
echo "now=$(date +%s)"
if [ ! -f /etc/kubernetes/admin.conf ]; then echo "admin_conf=no"; exit 0; fi
echo "admin_conf=yes"
if ! command -v kubeadm >/dev/null 2>&1; then echo "kubeadm=no"; exit 0; fi
out=$(kubeadm certs check-expiration 2>&1) && rc=0 || rc=$?
echo "check_rc=$rc"
echo "check.b64=$(printf '%s' "$out" | base64 | tr -d '\n')"
fingerprint() { openssl x509 -noout -fingerprint -sha256 2>/dev/null | sed 's/.*=//'; }
if command -v openssl >/dev/null 2>&1; then
  echo "file_cert=$(fingerprint </etc/kubernetes/pki/apiserver.crt)"
  echo "served_cert=$(openssl s_client -connect 10.77.0.11:6443 </dev/null 2>/dev/null | fingerprint)"
fi
for m in /etc/kubernetes/kinstall/manifests-aside/*.yaml; do
  if [ -f "$m" ]; then echo "aside=${m##*/}"; fi
done
