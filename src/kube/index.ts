// Renderers for every file kinstall installs on hosts or applies to the cluster; each is pure
// (inventory in, text out) and has golden tests per supported Kubernetes API generation.
export * from './kubeadm.js';
export * from './containerd.js';
export * from './system.js';
export * from './flannel.js';
export * from './dashboard.js';
