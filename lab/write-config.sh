#!/bin/bash
# Write the lab's kinstall inventory and lab.json (the description tests and benchmarks read).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

K8S_VERSION=1.28.15
CONTAINERD_VERSION=1.6.20

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
  for i in $(seq 1 "$LAB_HOSTS"); do
    role=worker; [ "$i" = 1 ] && role=control-plane
    printf '  - name: node%s\n    address: %s\n    roles: [%s]\n' "$i" "$(host_ip "$i")" "$role"
  done
  cat <<YML
kubernetes:
  version: $K8S_VERSION
  imageRepository: $LAB_REGISTRY/google_containers
  packageRepository: http://$LAB_GW_IP:$LAB_REPO_PORT/core/stable
containerd:
  version: $CONTAINERD_VERSION
  registryMirrors:
    docker.io: [http://$LAB_REGISTRY]
    $LAB_REGISTRY: [http://$LAB_REGISTRY]
network: {plugin: flannel}
addons:
  dashboard: {enabled: true}
YML
} >"$LAB_DIR/inventory.yaml"

{
  printf '{\n  "labDir": "%s",\n  "hosts": [\n' "$LAB_DIR"
  for i in $(seq 1 "$LAB_HOSTS"); do
    sep=,; [ "$i" = "$LAB_HOSTS" ] && sep=
    printf '    {"name": "node%s", "address": "%s", "mac": "%s", "machineId": "%s", "hostDir": "%s"}%s\n' \
      "$i" "$(host_ip "$i")" "$(host_mac "$i")" "$(host_machine_id "$i")" "$(host_dir "$i")" "$sep"
  done
  cat <<JSON
  ],
  "users": {"root": "root", "deploy": "deploy", "ops": "ops"},
  "identityFile": "$LAB_KEY",
  "knownHostsFile": "$LAB_KNOWN_HOSTS",
  "opsPasswordFile": "$LAB_DIR/ops-password",
  "inventory": "$LAB_DIR/inventory.yaml",
  "gateway": "$LAB_GW_IP",
  "aptProxy": "http://$LAB_GW_IP:$LAB_PROXY_PORT",
  "packageRepository": "http://$LAB_GW_IP:$LAB_REPO_PORT/core/stable",
  "repoKey": "http://$LAB_GW_IP:$LAB_REPO_PORT/core/stable/v1.28/deb/Release.key",
  "registry": "$LAB_REGISTRY",
  "imageRepository": "$LAB_REGISTRY/google_containers",
  "netns": "$LAB_NETNS"
}
JSON
} >"$LAB_DIR/lab.json"
