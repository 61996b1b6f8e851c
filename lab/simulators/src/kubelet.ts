#!/usr/bin/env node
// kubelet simulator: runs as kubelet.service. Fails on start exactly where the real kubelet does
// (flags, config.yaml, swap, cgroup driver, CRI), then runs static pods (the apiserver simulator
// as a child process), registers its Node, posts status and pulls images for its pods via CRI.
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { cpus, hostname, networkInterfaces, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CriClient, CriError, DEFAULT_CRI_ENDPOINT } from './common/cri.js';
import { ApiError, KubeClient } from './common/kube-client.js';
import { readKubeconfig } from './common/kubeconfig.js';
import {
  KubeletFatal, cgroupDriverError, needsStart, containerdCgroupDriver, parseKubeletConfig, parseKubeletFlags,
  parseTaint, readyCondition, swapError, validateKubeletFlags, type KubeletConfig, type KubeletFlags,
} from './common/kubelet-checks.js';
import { planPodFiles } from './common/pod-files.js';
import { etcdArgv, HOST_ETCD, hostEtcdMissing } from './common/etcd/static-pod.js';
import { StaticPodProcess } from './common/static-pod-process.js';
import { SIMULATOR_MARK, readSimVersion } from './common/sim-version.js';

const SYNC_MS = 3_000;
/**
 * The Node's status is written when it changed (heartbeat times aside) or after this long: the
 * kubelet's nodeStatusUpdateFrequency default (pkg/kubelet/apis/config/v1beta1/defaults.go, 10s;
 * kubelet_node_status.go tryUpdateNodeStatus patches only a changed status or a due report).
 * Every API write costs the apiserver simulator and etcd CPU on every host; in the emulated
 * Vagrant VMs a write every 3 s kept the control plane busy while "idle".
 */
const NODE_STATUS_UPDATE_MS = 10_000;
/** How long a static pod gets to stop on SIGTERM when the kubelet itself stops, before SIGKILL. */
const STOP_GRACE_MS = 5_000;
const readOr = (p: string, fallback: string | null): string | null => {
  try { return readFileSync(p, 'utf8'); } catch { return fallback; }
};
const log = (msg: string) => console.error(`I${new Date().toISOString()} kubelet] ${msg}`);

interface StaticPod {
  file: string;
  name: string;
  namespace: string;
  images: string[];
  /** Set for kube-apiserver: the argv to give the apiserver simulator. */
  apiserverArgs?: string[];
  /** Set for etcd: the flags to give the host's etcd. */
  etcdArgs?: string[];
  /** Set for kube-apiserver: its image; the tag is the version the simulator serves (like a real container image). */
  apiserverImage?: string;
  manifest: Record<string, any>;
}

function readStaticPods(dir: string): StaticPod[] {
  if (!existsSync(dir)) return [];
  const pods: StaticPod[] = [];
  for (const f of readdirSync(dir).sort()) {
    if (f.startsWith('.') || !/\.(ya?ml|json)$/.test(f)) continue;
    const file = join(dir, f);
    let pod: any;
    try { pod = parseYaml(readFileSync(file, 'utf8')); } catch (e) {
      log(`Could not process manifest file path="${file}" err="${(e as Error).message}"`);
      continue;
    }
    if (pod?.kind !== 'Pod' || !pod?.metadata?.name) continue;
    const containers: any[] = pod.spec?.containers ?? [];
    const images = containers.map((c) => String(c.image));
    const api = containers.find((c) => /\/kube-apiserver:[^/]+$/.test(String(c.image)));
    pods.push({
      file, name: pod.metadata.name, namespace: pod.metadata.namespace ?? 'default', images, manifest: pod,
      apiserverArgs: api ? [...(api.command ?? []).slice(1), ...(api.args ?? [])].map(String) : undefined,
      etcdArgs: etcdArgv(pod) ?? undefined,
      apiserverImage: api ? String(api.image) : undefined,
    });
  }
  return pods;
}

function firstIPv4(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

function osImage(): string {
  const m = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readOr('/etc/os-release', '') ?? '');
  return m?.[1] ?? 'Linux';
}

class Kubelet {
  private readonly cri: CriClient;
  private readonly apiserver: StaticPodProcess;
  private readonly etcd = new StaticPodProcess('etcd', (args) => [HOST_ETCD, args]);
  private readonly nodeName: string;
  private client: KubeClient | null = null;
  private registered = false;
  private runtimeVersion = '';
  private staticStatus = new Map<string, { phase: string; reason?: string; message?: string }>();
  private pulling = new Set<string>();
  /**
   * UIDs of the bound pods this kubelet process has started. A real kubelet starts every pod bound
   * to it that it is not running, whatever status the API shows (a pod reported Running by an
   * earlier kubelet of a node that was reset and joined again is started afresh, and its init
   * containers run again): trusting the API's phase left such a node without its CNI config.
   */
  private started = new Set<string>();
  /** The node status last written (heartbeat times left out) and when. */
  private nodeStatusWritten = { key: '', at: 0 };
  /**
   * Per mirror pod, the manifest and state last written: an unchanged mirror pod that still exists
   * is not written again, as the status manager writes a pod's status only when it changed
   * (pkg/kubelet/status/status_manager.go needsUpdate).
   */
  private mirrorWritten = new Map<string, string>();

  constructor(
    private readonly flags: KubeletFlags,
    private readonly config: KubeletConfig,
    private readonly version: string,
  ) {
    this.cri = new CriClient(flags.containerRuntimeEndpoint ?? config.containerRuntimeEndpoint ?? DEFAULT_CRI_ENDPOINT);
    const apiserverScript = join(dirname(realpathSync(process.argv[1]!)), 'kube-apiserver.js');
    this.apiserver = new StaticPodProcess('kube-apiserver', (args) => [process.execPath, [apiserverScript, ...args]]);
    this.nodeName = (flags.hostnameOverride ?? hostname()).toLowerCase();
  }

  async checkRuntime(): Promise<void> {
    try {
      const v = await this.cri.version();
      this.runtimeVersion = `${v.runtimeName}://${v.runtimeVersion}`;
    } catch (e) {
      const msg = e instanceof CriError ? e.message : String(e);
      throw new KubeletFatal(`failed to run Kubelet: validate service connection: ${msg.replace(/^validate service connection: /, '')}`);
    }
  }

  async sync(): Promise<void> {
    await this.syncStaticPods();
    if (!this.client) this.client = this.connect();
    if (!this.client) return;
    try {
      await this.syncNode();
      const bound = await this.boundPods();
      await this.syncMirrorPods(bound);
      await this.syncBoundPods(bound);
    } catch (e) {
      log(`sync with the API server failed: ${(e as Error).message}`);
    }
  }

  private connect(): KubeClient | null {
    const path = this.flags.kubeconfig;
    // kubeadm join does the TLS bootstrap in this design: wait for kubelet.conf to appear.
    if (!path || !existsSync(path)) return null;
    try { return new KubeClient(readKubeconfig(path)); } catch (e) {
      log(`invalid kubeconfig ${path}: ${(e as Error).message}`);
      return null;
    }
  }

  private async ensureImage(image: string): Promise<{ ok: boolean; error?: string }> {
    if (await this.cri.imageStatus(image)) return { ok: true };
    if (this.pulling.has(image)) return { ok: false, error: 'pulling' };
    this.pulling.add(image);
    try {
      log(`Pulling image "${image}"`);
      await this.cri.pullImage(image);
      return { ok: true };
    } catch (e) {
      return { ok: false, error: `failed to pull and unpack image "${image}": ${(e as Error).message}` };
    } finally {
      this.pulling.delete(image);
    }
  }

  private async syncStaticPods(): Promise<void> {
    const pods = readStaticPods(this.config.staticPodPath ?? '/etc/kubernetes/manifests');
    let apiArgs: string[] | null = null;
    let etcdArgs: string[] | null = null;
    let apiImage = '';
    const seen = new Set<string>();
    for (const pod of pods) {
      seen.add(pod.name);
      const results = await Promise.all(pod.images.map((i) => this.ensureImage(i)));
      const failed = results.find((r) => !r.ok);
      if (failed) {
        this.staticStatus.set(pod.name, { phase: 'Pending', reason: 'ErrImagePull', message: failed.error });
        continue;
      }
      if (pod.apiserverArgs) { apiArgs = pod.apiserverArgs; apiImage = pod.apiserverImage ?? ''; }
      if (pod.etcdArgs) {
        const missing = hostEtcdMissing();
        if (missing) {
          this.staticStatus.set(pod.name, { phase: 'Pending', reason: 'CreateContainerError', message: missing });
          continue;
        }
        etcdArgs = pod.etcdArgs;
        // A crash-looping etcd (e.g. a flag this etcd does not know) shows as such, with etcd's own error.
        const exit = this.etcd.lastExit;
        if (exit && !this.etcd.running()) {
          this.staticStatus.set(pod.name, { phase: 'Pending', reason: 'CrashLoopBackOff', message: exit.reason });
          continue;
        }
      }
      this.staticStatus.set(pod.name, { phase: 'Running' });
    }
    for (const name of [...this.staticStatus.keys()]) if (!seen.has(name)) this.staticStatus.delete(name);
    // etcd first, as kubeadm's phase order writes it: the apiserver waits for it anyway.
    this.etcd.ensure(etcdArgs);
    this.apiserver.ensure(apiArgs, apiImage);
  }

  private nodeStatus(runtime: Awaited<ReturnType<CriClient['status']>> | null): Record<string, any> {
    const now = new Date().toISOString();
    const cond = (type: string, reason: string, message: string) =>
      ({ type, status: 'False', reason, message, lastHeartbeatTime: now, lastTransitionTime: now });
    const ready = readyCondition(runtime ? runtime.conditions : null);
    const capacity = { cpu: String(cpus().length), memory: `${Math.floor(totalmem() / 1024)}Ki`, pods: String(this.config.maxPods), 'ephemeral-storage': '0' };
    return {
      conditions: [
        cond('MemoryPressure', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
        cond('DiskPressure', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        cond('PIDPressure', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
        { ...ready, lastHeartbeatTime: now, lastTransitionTime: now },
      ],
      addresses: [
        { type: 'InternalIP', address: this.flags.nodeIp ?? firstIPv4() },
        { type: 'Hostname', address: this.nodeName },
      ],
      capacity,
      allocatable: capacity,
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: (readOr('/etc/machine-id', '') ?? '').trim(),
        systemUUID: (readOr('/sys/class/dmi/id/product_uuid', '') ?? '').trim(),
        bootID: (readOr('/proc/sys/kernel/random/boot_id', '') ?? '').trim(),
        kernelVersion: release(),
        osImage: osImage(),
        containerRuntimeVersion: this.runtimeVersion,
        kubeletVersion: this.version,
        kubeProxyVersion: this.version,
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    };
  }

  private async syncNode(): Promise<void> {
    const client = this.client!;
    let runtime = null;
    try { runtime = await this.cri.status(); } catch (e) { log(`CRI status failed: ${(e as Error).message}`); }
    const status = this.nodeStatus(runtime);
    const key = JSON.stringify(status, (k, v) => (k === 'lastHeartbeatTime' || k === 'lastTransitionTime' ? undefined : v));
    if (this.registered && key === this.nodeStatusWritten.key && Date.now() - this.nodeStatusWritten.at < NODE_STATUS_UPDATE_MS) return;
    if (!this.registered) {
      const taints = [...this.config.registerWithTaints, ...this.flags.registerWithTaints.map(parseTaint)];
      const node = {
        apiVersion: 'v1', kind: 'Node',
        metadata: {
          name: this.nodeName,
          labels: {
            'beta.kubernetes.io/arch': 'amd64', 'beta.kubernetes.io/os': 'linux',
            'kubernetes.io/arch': 'amd64', 'kubernetes.io/hostname': this.nodeName, 'kubernetes.io/os': 'linux',
            ...this.flags.nodeLabels,
          },
          annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
        },
        spec: taints.length ? { taints } : {},
        status,
      };
      try {
        await client.create('/api/v1/nodes', node);
        log(`Successfully registered node ${this.nodeName}`);
      } catch (e) {
        // The Node exists (a restarted kubelet, e.g. after its package was upgraded): the real
        // kubelet then updates it (pkg/kubelet/kubelet_node_status.go tryRegisterWithAPIServer).
        if (!(e instanceof ApiError && e.status === 409)) throw e;
      }
      this.registered = true;
    }
    await client.mergePatch(`/api/v1/nodes/${this.nodeName}/status`, { status });
    this.nodeStatusWritten = { key, at: Date.now() };
  }

  /** The pods bound to this node, mirror pods included (one list per sync). */
  private async boundPods(): Promise<any[]> {
    const list = await this.client!.get(`/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${this.nodeName}`)}`);
    return list?.items ?? [];
  }

  private async syncMirrorPods(bound: any[]): Promise<void> {
    const client = this.client!;
    for (const pod of readStaticPods(this.config.staticPodPath ?? '/etc/kubernetes/manifests')) {
      const st = this.staticStatus.get(pod.name);
      if (!st) continue;
      const name = `${pod.name}-${this.nodeName}`;
      const path = `/api/v1/namespaces/${pod.namespace}/pods`;
      const written = JSON.stringify([pod.manifest, st]);
      const exists = bound.some((p) => p.metadata?.name === name && p.metadata?.namespace === pod.namespace);
      if (exists && this.mirrorWritten.get(name) === written) continue;
      // Forgotten until written again: a mirror pod created but whose status patch then failed must not pass for written.
      this.mirrorWritten.delete(name);
      const status = podStatus(pod.manifest, st, this.flags.nodeIp ?? firstIPv4());
      const mirror = {
        ...pod.manifest,
        metadata: { ...pod.manifest.metadata, name, namespace: pod.namespace, annotations: { ...(pod.manifest.metadata.annotations ?? {}), 'kubernetes.io/config.mirror': 'static', 'kubernetes.io/config.source': 'file' } },
        spec: { ...pod.manifest.spec, nodeName: this.nodeName },
        status,
      };
      try { await client.create(path, mirror); } catch (e) { if (!(e instanceof ApiError && e.status === 409)) throw e; }
      await client.mergePatch(`${path}/${name}/status`, { status }).catch(() => client.mergePatch(`${path}/${name}`, { status }));
      this.mirrorWritten.set(name, written);
    }
  }

  private async syncBoundPods(bound: any[]): Promise<void> {
    const client = this.client!;
    for (const pod of bound) {
      if (!needsStart(pod, this.started)) continue;
      const images: string[] = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].map((c: any) => String(c.image));
      const results = await Promise.all(images.map((i) => this.ensureImage(i)));
      const failed = results.find((r) => !r.ok && r.error !== 'pulling');
      if (results.some((r) => r.error === 'pulling')) continue;
      const initError = failed ? undefined : await this.runInitCopies(pod);
      const st = failed
        ? { phase: 'Pending', reason: 'ImagePullBackOff', message: `Back-off pulling image: ${failed.error}` }
        : initError
          ? { phase: 'Pending', reason: 'Init:Error', message: initError }
          : { phase: 'Running' };
      const path = `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}/status`;
      await client.mergePatch(path, { status: podStatus(pod, st, this.flags.nodeIp ?? firstIPv4()) });
      if (st.phase === 'Running') this.started.add(String(pod.metadata?.uid));
    }
  }

  /** The host files the pod's init containers copy from ConfigMaps (see pod-files.ts); an error text if one fails. */
  private async runInitCopies(pod: any): Promise<string | undefined> {
    const namespace = String(pod.metadata?.namespace ?? 'default');
    const configMaps = new Map<string, Record<string, string>>();
    for (const v of pod.spec?.volumes ?? []) {
      if (!v.configMap?.name || configMaps.has(v.configMap.name)) continue;
      try {
        const cm = await this.client!.get(`/api/v1/namespaces/${namespace}/configmaps/${v.configMap.name}`);
        configMaps.set(v.configMap.name, cm?.data ?? {});
      } catch { /* missing: the plan reports it */ }
    }
    const plan = planPodFiles(pod, (_ns, name) => configMaps.get(name));
    for (const why of plan.skipped) log(`pod ${namespace}/${pod.metadata.name}: ${why}`);
    if (plan.errors.length) return plan.errors.join('; ');
    for (const w of plan.writes) {
      mkdirSync(dirname(w.hostPath), { recursive: true });
      writeFileSync(w.hostPath, w.content);
      log(`pod ${namespace}/${pod.metadata.name}: init container ${w.container} wrote ${w.hostPath}`);
    }
    return undefined;
  }

  async shutdown(): Promise<void> {
    await Promise.all([this.apiserver.stopAndWait(STOP_GRACE_MS), this.etcd.stopAndWait(STOP_GRACE_MS)]);
    this.cri.close();
  }
}

/** A pod status as the kubelet posts it: Running with Ready containers, or Waiting with a reason. */
function podStatus(pod: any, st: { phase: string; reason?: string; message?: string }, hostIP: string): Record<string, any> {
  const now = new Date().toISOString();
  const running = st.phase === 'Running';
  const containers: any[] = pod.spec?.containers ?? [];
  return {
    phase: st.phase,
    hostIP,
    podIP: pod.spec?.hostNetwork ? hostIP : undefined,
    startTime: now,
    conditions: ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({
      type, status: running || type === 'PodScheduled' || type === 'Initialized' ? 'True' : 'False', lastTransitionTime: now,
    })),
    containerStatuses: containers.map((c) => ({
      name: c.name, image: c.image, imageID: '', ready: running, restartCount: 0, started: running,
      state: running ? { running: { startedAt: now } } : { waiting: { reason: st.reason ?? 'ContainerCreating', message: st.message } },
    })),
  };
}

async function main(): Promise<void> {
  const flags = parseKubeletFlags(process.argv.slice(2));
  const version = readSimVersion('kubelet').gitVersion;
  if (flags.version) {
    console.log(`Kubernetes ${version} ${SIMULATOR_MARK}`);
    return;
  }
  if (flags.help) {
    console.log('Usage: kubelet [flags]  (kinstall lab simulator: see lab/simulators/README.md)');
    return;
  }
  validateKubeletFlags(flags);
  if (!flags.config) throw new KubeletFatal('failed to run Kubelet: no --config given: the simulator only runs the kubeadm-managed configuration');
  const text = readOr(flags.config, null);
  if (text === null) {
    throw new KubeletFatal(`failed to load kubelet config file, path: ${flags.config}, error: failed to load Kubelet config file ${flags.config}, error failed to read kubelet config file "${flags.config}", error: open ${flags.config}: no such file or directory`);
  }
  const config = parseKubeletConfig(text, flags.config);
  const swap = swapError(readOr('/proc/swaps', '') ?? '', flags.failSwapOn ?? config.failSwapOn);
  if (swap) throw new KubeletFatal(swap);
  const kubelet = new Kubelet(flags, config, version);
  await kubelet.checkRuntime();
  const driverError = cgroupDriverError(config.cgroupDriver, containerdCgroupDriver(readOr('/etc/containerd/config.toml', null)));
  if (driverError) throw new KubeletFatal(driverError);
  let stopping = false;
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.on(sig, () => {
      if (stopping) return;
      stopping = true;
      void kubelet.shutdown().finally(() => process.exit(0));
    });
  }
  log(`kubelet ${version} ${SIMULATOR_MARK} started`);
  for (;;) {
    await kubelet.sync().catch((e) => log(`sync failed: ${(e as Error).message}`));
    await new Promise((r) => setTimeout(r, SYNC_MS));
  }
}

main().catch((e) => {
  const msg = e instanceof Error ? e.message : String(e);
  console.error(`E${new Date().toISOString()} run.go:74] "command failed" err="${msg.replace(/"/g, '\\"')}"`);
  process.exit(1);
});
