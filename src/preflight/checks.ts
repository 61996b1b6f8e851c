import { certChecks } from './certs.js';
import { clusterStateChecks } from './cluster.js';
import { endpointChecks } from './endpoint.js';
import { identityChecks } from './identity.js';
import { kernelChecks } from './kernel.js';
import { networkChecks } from './network.js';
import { runtimeChecks } from './runtime.js';
import { systemChecks } from './system.js';
import type { ClusterCheck, HostCheck } from './types.js';

export const hostChecks: HostCheck[] = [...systemChecks, ...kernelChecks, ...networkChecks, ...runtimeChecks, ...clusterStateChecks, ...certChecks, ...endpointChecks];
export const clusterChecks: ClusterCheck[] = [...identityChecks];

/** Reported for a host that could not be reached, authenticated or become root; never ignorable. */
export const reachableCheckId = 'reachable';

/** Every check id preflight.ignore may name (stable: docs/checks.md and README list them). */
export const checkIds: readonly string[] = [...hostChecks.map((c) => c.id), ...clusterChecks.map((c) => c.id)];
