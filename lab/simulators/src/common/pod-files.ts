// The host-visible effect of a pod's init containers that copy a ConfigMap file into a hostPath
// volume — `cp [-f] SRC DST`, the way CNI plugins (flannel's install-cni) install their network
// config. The simulator runs no containers, so the kubelet simulator performs exactly these copies,
// resolved through the pod's own volumeMounts and volumes: a wrong mount, key or path in the
// manifest leaves the file unwritten (and the node NotReady), as it would with real containers.
// Copies whose source is inside the image (e.g. flannel's /flannel binary) cannot be simulated: the
// lab's images are all busybox; they are reported as skipped.
import path from 'node:path';

export interface HostFileWrite {
  container: string;
  hostPath: string;
  content: string;
}

export interface PodFilePlan {
  writes: HostFileWrite[];
  /** Human-readable reasons a copy was not simulated or cannot work. */
  skipped: string[];
  /** Problems that would make the real init container fail (the pod must not become Running). */
  errors: string[];
}

type ConfigMapLookup = (namespace: string, name: string) => Record<string, string> | undefined;

interface Resolved {
  volume: any;
  rel: string;
}

/** Which volume (and path inside it) a container path falls in: the longest mountPath wins. */
function resolveMount(container: any, volumes: any[], file: string): Resolved | undefined {
  const mounts: any[] = [...(container.volumeMounts ?? [])].sort((a, b) => String(b.mountPath).length - String(a.mountPath).length);
  for (const m of mounts) {
    const mp = String(m.mountPath).replace(/\/+$/, '') || '/';
    if (file === mp || file.startsWith(`${mp}/`)) {
      const volume = volumes.find((v) => v.name === m.name);
      if (!volume) return undefined;
      const rel = path.posix.join(m.subPath ?? '', file.slice(mp.length).replace(/^\/+/, ''));
      return { volume, rel };
    }
  }
  return undefined;
}

function configMapFile(volume: any, rel: string, namespace: string, lookup: ConfigMapLookup): { content?: string; error?: string } {
  const cm = volume.configMap;
  const data = lookup(namespace, cm.name);
  if (!data) return { error: `configmap "${cm.name}" not found` };
  const items: any[] | undefined = cm.items;
  const key = items ? items.find((i) => i.path === rel)?.key : rel;
  if (key === undefined || data[key] === undefined) return { error: `no such file in configmap "${cm.name}" volume: ${rel}` };
  return { content: data[key] };
}

/** Plans the copies of a pod's init containers (pure: ConfigMap data comes from `lookup`). */
export function planPodFiles(pod: any, lookup: ConfigMapLookup): PodFilePlan {
  const plan: PodFilePlan = { writes: [], skipped: [], errors: [] };
  const volumes: any[] = pod.spec?.volumes ?? [];
  const namespace = String(pod.metadata?.namespace ?? 'default');
  for (const c of pod.spec?.initContainers ?? []) {
    const argv = [...(c.command ?? []), ...(c.args ?? [])].map(String);
    if (argv[0] !== 'cp' && argv[0] !== '/bin/cp') {
      plan.skipped.push(`${c.name}: ${argv.join(' ') || '(image entrypoint)'} is not simulated`);
      continue;
    }
    const operands = argv.slice(1).filter((a) => a !== '-f');
    if (operands.length !== 2 || operands.some((o) => o.startsWith('-'))) {
      plan.skipped.push(`${c.name}: ${argv.join(' ')} is not simulated`);
      continue;
    }
    const [src, dst] = operands as [string, string];
    const from = resolveMount(c, volumes, src);
    if (!from?.volume.configMap) {
      plan.skipped.push(`${c.name}: ${src} comes from the image, which the lab does not simulate`);
      continue;
    }
    const file = configMapFile(from.volume, from.rel, namespace, lookup);
    if (file.error) {
      plan.errors.push(`${c.name}: cp: can't stat '${src}': ${file.error}`);
      continue;
    }
    const to = resolveMount(c, volumes, dst);
    if (!to?.volume.hostPath) {
      // Written into the container's own filesystem: nothing on the host changes.
      plan.skipped.push(`${c.name}: ${dst} is not on a hostPath volume`);
      continue;
    }
    plan.writes.push({ container: c.name, hostPath: path.posix.join(String(to.volume.hostPath.path), to.rel), content: file.content! });
  }
  return plan;
}
