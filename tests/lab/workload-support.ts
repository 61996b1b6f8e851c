import { pauseImageTag } from '../../src/versions/kubernetes.js';
import { rootSh, type LabDescription } from './lab-support.js';
import { kubectl } from './up-support.js';

/**
 * A small workload with a PodDisruptionBudget for the day-2 lab tests (prune, upgrade): the
 * Deployment "web" in default, pods from the cluster's own pause image (in the lab mirror).
 */
export function applyManifests(l: LabDescription, manifests: object[]): void {
  rootSh(l, l.hosts[0]!, `kubectl --kubeconfig /etc/kubernetes/admin.conf apply -f - <<'EOF'\n${manifests.map((m) => JSON.stringify(m)).join('\n---\n')}\nEOF`);
}

export function webDeployment(imageRepository: string, kubernetesVersion: string, replicas = 2): object {
  const image = `${imageRepository}/pause:${pauseImageTag(kubernetesVersion)}`;
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' },
    spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image }] } } } };
}

export const webPdb = (spec: Record<string, unknown>): object =>
  ({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: 'default' }, spec: { ...spec, selector: { matchLabels: { app: 'web' } } } });

export function webPods(l: LabDescription): Array<{ name: string; node: string; phase: string }> {
  const out = kubectl(l, l.hosts[0]!, `get pods -n default -l app=web -o jsonpath='{range .items[*]}{.metadata.name} {.spec.nodeName} {.status.phase}{"\\n"}{end}'`);
  return out.split('\n').filter(Boolean).map((line) => { const [name, node, phase] = line.split(' '); return { name: name!, node: node!, phase: phase! }; });
}

export async function until(what: string, ok: () => boolean, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2000));
  }
}
