import { FakeRemote } from '../../helpers/fake-remote.js';
import { testHost } from '../../helpers/hosts.js';
import type { Inventory } from '../../../src/inventory/schema.js';
import type { ResolvedHost } from '../../../src/inventory/types.js';
import { RunLog } from '../../../src/log.js';
import type { StepContext } from '../../../src/steps/types.js';

export { FakeRemote };

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
