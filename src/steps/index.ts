import { cniStep } from './cni.js';
import { containerdStep } from './containerd.js';
import { dashboardStep } from './dashboard.js';
import { balancerStep } from './endpoint.js';
import { kubeVipBootstrapStep, kubeVipStep } from './endpoint-vip.js';
import { imagesStep } from './images.js';
import { initStep } from './init.js';
import { joinControlPlanesStep, joinWorkersStep } from './join.js';
import { kubePackagesStep } from './kube-packages.js';
import { kubeconfigStep } from './kubeconfig.js';
import { preflightStep } from './preflight.js';
import { nodeMetadataStep } from './node-metadata.js';
import { prepareHostStep } from './prepare-host.js';
import { pruneStep } from './prune.js';
import type { Step } from './types.js';
import { upgradeControlPlanesStep, upgradeWorkersStep } from '../upgrade/steps.js';

/** The steps of `kinstall up`, in order. */
export const upSteps: Step[] = [
  preflightStep,
  prepareHostStep,
  containerdStep,
  kubePackagesStep,
  imagesStep,
  // The API endpoint must answer before kubeadm init/join use it (issue 14).
  balancerStep,
  kubeVipBootstrapStep,
  // Upgrades come before the joins: a new node joins with the target's kubelet, which must not
  // be newer than the API server.
  upgradeControlPlanesStep,
  upgradeWorkersStep,
  initStep,
  joinControlPlanesStep,
  kubeVipStep,
  joinWorkersStep,
  nodeMetadataStep,
  cniStep,
  dashboardStep,
  kubeconfigStep,
  pruneStep,
];
