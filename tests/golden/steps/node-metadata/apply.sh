set -eu
# node-metadata apply (first control plane): inventory labels and taints set, the ones kinstall
# set earlier and the inventory dropped removed, then the record of what kinstall manages
# (node annotations) updated last, so a run cut halfway still knows what to remove next time.
k() { kubectl --kubeconfig /etc/kubernetes/admin.conf --request-timeout=30s "$@"; }
k label node node2 --overwrite 'evil=$(touch /tmp/x)'\'''
k taint node node2 dedicated:NoSchedule-
