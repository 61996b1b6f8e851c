import { testHost } from '../../helpers/hosts.js';
import type { Inventory } from '../../../src/inventory/schema.js';
import type { ResolvedHost } from '../../../src/inventory/types.js';
import { RunLog } from '../../../src/log.js';
import type { ExecOptions, ExecResult, RemoteHost } from '../../../src/ssh/types.js';
import type { StepContext } from '../../../src/steps/types.js';

type Responder = (script: string, opts: ExecOptions | undefined) => Partial<ExecResult> | undefined;

/** A RemoteHost that records every call and answers exec from a list of responders. */
export class FakeRemote implements RemoteHost {
  readonly address: string;
  readonly execs: { script: string; opts?: ExecOptions }[] = [];
  readonly uploads: { path: string; content: string; mode?: number; secret?: boolean }[] = [];
  readonly files = new Map<string, string>();
  readonly stats = { sessions: 0, commands: 0 };
  responders: Responder[] = [];

  constructor(
    readonly name: string,
    private readonly log?: RunLog,
  ) {
    this.address = `127.0.0.${name.length}`;
  }

  async exec(script: string, opts?: ExecOptions): Promise<ExecResult> {
    this.execs.push({ script, opts });
    this.stats.commands++;
    for (const s of opts?.secrets ?? []) this.log?.addSecret(s);
    let res: ExecResult = { stdout: '', stderr: '', code: 0 };
    for (const r of this.responders) {
      const got = r(script, opts);
      if (got) {
        res = { ...res, ...got };
        break;
      }
    }
    // Like the SSH layer: every command and its output goes to the run log, redacted there.
    this.log?.write(this.name, opts?.label ?? 'exec', `${script}\n--- stdout\n${res.stdout}\n--- stderr\n${res.stderr}`);
    return res;
  }

  async upload(path: string, content: string | Buffer, opts?: { mode?: number; secret?: boolean }): Promise<void> {
    const text = content.toString();
    this.uploads.push({ path, content: text, mode: opts?.mode, secret: opts?.secret });
    this.files.set(path, text);
    this.log?.write(this.name, 'upload', opts?.secret ? `${path} (secret, content not logged)` : `${path}\n${text}`);
  }

  async download(path: string): Promise<Buffer | undefined> {
    this.log?.write(this.name, 'download', path);
    const f = this.files.get(path);
    return f === undefined ? undefined : Buffer.from(f);
  }

  async close(): Promise<void> {}
}

export function fakeHost(name: string, roles: ResolvedHost['roles'], address = `10.0.0.${name.replace(/\D/g, '') || '1'}`): ResolvedHost {
  return testHost(name, roles, address);
}

export function fakeInventory(hosts: ResolvedHost[], over: Partial<Inventory> = {}): Inventory {
  return {
    apiVersion: 'kinstall/v1alpha1',
    kind: 'Cluster',
    metadata: { name: 'demo' },
    hosts: hosts.map((h) => h.spec),
    kubernetes: {
      version: '1.28.15',
      imageRepository: 'registry.k8s.io',
      packageRepository: 'https://pkgs.k8s.io/core:/stable:',
      podSubnet: '10.244.0.0/16',
      serviceSubnet: '10.96.0.0/12',
      clusterDomain: 'cluster.local',
    },
    containerd: { version: '1.6.20', source: 'package', registryMirrors: {} },
    network: { plugin: 'flannel' },
    addons: { dashboard: { enabled: true } },
    firewall: { allowDisable: false },
    preflight: { ignore: [] },
    ...over,
  };
}

export function fakeContext(hosts: ResolvedHost[], remotes: FakeRemote[], log = new RunLog(), inventory = fakeInventory(hosts)): StepContext {
  return {
    inventory,
    hosts,
    targets: hosts,
    remotes: new Map(remotes.map((r) => [r.name, r])),
    log,
    kubeconfigPath: '/nonexistent/demo.kubeconfig',
    notes: [],
    memo: new Map(),
  };
}
