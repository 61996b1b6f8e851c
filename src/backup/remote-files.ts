import { kinstallDir } from '../steps/remote.js';

/** Paths on the control plane that backup and restore share (kubeadm's defaults). */
export const manifestsDir = '/etc/kubernetes/manifests';
export const pkiDir = '/etc/kubernetes/pki';
/** Where restore parks the static pod manifests while the kubelet stops the pods. */
export const restoreAside = `${kinstallDir}/restore-manifests`;
/** restore's private work directory: the uploaded archive, its extraction, the resume state. */
export const restoreWork = `${kinstallDir}/restore`;
