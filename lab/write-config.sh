#!/bin/bash
# Write the lab's kinstall inventory and lab.json (the description tests and benchmarks read), for
# the hosts in LAB_DIR/plan. The inventory goes through the redirecting fronts, as the world's
# pkgs.k8s.io and registry.k8s.io do; LAB_DIRECT=1 writes the servers' direct URLs instead.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# Values go into YAML double-quoted: the pkgs.k8s.io path ends in ':' ("core:/stable:"), which a
# plain YAML scalar would read as a mapping. (The lab's values hold no '"' or '\\'.)
# Kubernetes and the containerd pin per shape are data: lab/hosts/kubernetes.tsv (a lab given host
# by host with LAB_OS, or a shape without a row, takes the "*" row).
shape=$LAB_SHAPE
[ -z "${LAB_OS:-}" ] || shape='*'
row=$(lab_table kubernetes.tsv | awk -v s="$shape" '$1 == s {print $2, $3; f = 1} END {if (!f) exit 1}') ||
  row=$(lab_table kubernetes.tsv | awk '$1 == "*" {print $2, $3}')
read -r K8S_VERSION CONTAINERD_VERSION <<<"$row"
[ -n "$K8S_VERSION" ] || die "lab/hosts/kubernetes.tsv has no row for shape '$shape' and no '*' row"
[ "$CONTAINERD_VERSION" != - ] || CONTAINERD_VERSION=
K8S_MINOR=v${K8S_VERSION%.*}

direct_pkgs=http://$LAB_GW_IP:$LAB_REPO_PORT/core/stable
direct_images=$LAB_REGISTRY/google_containers
front_pkgs=http://$LAB_FRONT_PKGS_IP/core:/stable:
front_registry=$LAB_FRONT_REGISTRY_IP
real_names=false
if [ "${LAB_DIRECT:-}" = 1 ]; then
  pkgs=$direct_pkgs images=$direct_images registry=$LAB_REGISTRY direct=true
elif [ "${LAB_REAL_NAMES:-}" = 1 ]; then
  # The README's default inventory: no repositories, no mirrors; the lab DNS and CA make
  # pkgs.k8s.io, registry.k8s.io and docker.io the lab's fronts.
  pkgs=https://pkgs.k8s.io/core:/stable: images=registry.k8s.io registry= direct=false real_names=true
else
  pkgs=$front_pkgs images=$front_registry/google_containers registry=$front_registry direct=false
fi

{
  cat <<YML
# Written by lab/up.sh for the running lab; regenerated on every lab:up.
apiVersion: kinstall/v1alpha1
kind: Cluster
metadata:
  name: lab
ssh:
  user: root
  identityFile: $LAB_KEY
  knownHostsFile: $LAB_KNOWN_HOSTS
  hostKeyPolicy: strict
hosts:
YML
  while read -r i suite profile role; do
    printf '  - name: node%s\n    address: %s\n    roles: [%s]\n' "$i" "$(host_ip "$i")" "$role"
  done <"$LAB_PLAN"
  cat <<YML
kubernetes:
  version: $K8S_VERSION
YML
  $real_names || printf '  imageRepository: "%s"\n  packageRepository: "%s"\n' "$images" "$pkgs"
  echo 'containerd:'
  [ -z "$CONTAINERD_VERSION" ] || echo "  version: $CONTAINERD_VERSION"
  $real_names || cat <<YML
  registryMirrors:
    docker.io: ["http://$registry"]
    "$registry": ["http://$registry"]
YML
  cat <<YML
network: {plugin: flannel}
addons:
  dashboard: {enabled: true}
YML
} >"$LAB_DIR/inventory.yaml"

n=$(wc -l <"$LAB_PLAN")
{
  printf '{\n  "labDir": "%s",\n  "hosts": [\n' "$LAB_DIR"
  while read -r i suite profile role; do
    sep=,; [ "$i" = "$n" ] && sep=
    printf '    {"name": "node%s", "address": "%s", "mac": "%s", "machineId": "%s", "hostDir": "%s", "os": "%s", "osVersion": "%s", "profile": "%s", "role": "%s"}%s\n' \
      "$i" "$(host_ip "$i")" "$(host_mac "$i")" "$(host_machine_id "$i")" "$(host_dir "$i")" \
      "$suite" "$(lab_table releases.tsv | awk -v s="$suite" '$1 == s {print $2}')" "$profile" "$role" "$sep"
  done <"$LAB_PLAN"
  cat <<JSON
  ],
  "users": {"root": "root", "deploy": "deploy", "ops": "ops"},
  "identityFile": "$LAB_KEY",
  "knownHostsFile": "$LAB_KNOWN_HOSTS",
  "opsPasswordFile": "$LAB_DIR/ops-password",
  "inventory": "$LAB_DIR/inventory.yaml",
  "gateway": "$LAB_GW_IP",
  "aptProxy": "http://$LAB_GW_IP:$LAB_PROXY_PORT",
  "direct": $direct,
  "realNames": $real_names,
  "packageRepository": "$pkgs",
  "imageRepository": "$images",
  "directPackageRepository": "$direct_pkgs",
  "directImageRepository": "$direct_images",
  "kubernetesVersion": "$K8S_VERSION",
  "repoKey": "$direct_pkgs/$K8S_MINOR/deb/Release.key",
  "registry": "$LAB_REGISTRY",
  "fronts": {
    "packages": {"url": "$front_pkgs", "status": 302, "target": "$direct_pkgs"},
    "registry": {"host": "$front_registry", "status": 307, "target": "$LAB_REGISTRY"},
    "log": "$LAB_RUN/fronts.access.log",
    "dns": "$LAB_DNS_IP",
    "caCert": "$LAB_CA/ca.crt",
    "names": {$(for p in $LAB_NAMES; do printf '"%s": "%s", ' "${p%%=*}" "${p#*=}"; done | sed 's/, $//')}
  },
  "netns": "$LAB_NETNS"
}
JSON
} >"$LAB_DIR/lab.json"
