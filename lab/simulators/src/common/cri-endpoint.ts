// Where kubeadm/kubelet/crictl look for containerd unless told otherwise. A module of its own:
// importing the constant must not load cri.ts, whose gRPC stack is most of a simulator's start-up
// (about 10 s per process in the emulated Vagrant VMs), for commands that never talk to containerd.
export const DEFAULT_CRI_ENDPOINT = 'unix:///var/run/containerd/containerd.sock';
