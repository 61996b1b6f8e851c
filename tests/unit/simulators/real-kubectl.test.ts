import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueCert } from '../../../lab/simulators/src/common/pki.js';
import { renderBootstrapTokenSecret } from '../../../src/steps/join-command.js';
import { managedLabelsAnnotation, parseNodeMetadataProbe, planNodeMetadata, renderNodeMetadataApply } from '../../../src/steps/node-metadata.js';
import { renderClusterProbe } from '../../../src/upgrade/steps.js';
import { startTestApiServer, type TestApiServer } from './test-apiserver.js';

/**
 * The apiserver simulator against the REAL kubectl 1.32.3 (Debian trixie's build, fetched and
 * verified by lab/packaging/real-kubectl.sh): every kubectl call kinstall's templates and the e2e
 * checks make. The binary is cached; a machine that cannot obtain it FAILS this file (it does not
 * skip), with the script's reason.
 */

const repoRoot = path.resolve(__dirname, '../../..');
const run = promisify(execFile);
let kubectlBin: string;
let api: TestApiServer;
let kubeconfig: string;
let cacheDir: string;

interface Result { code: number; stdout: string; stderr: string }

/** kubectl ARGS through bash (the args are the exact shell text kinstall's scripts use); async: the server runs in this process. */
function k(args: string, input?: string): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', `"$KUBECTL" --kubeconfig "$KCFG" --cache-dir "$KCACHE" ${args}`], {
      env: { ...process.env, KUBECTL: kubectlBin, KCFG: kubeconfig, KCACHE: cacheDir, HOME: api.dir },
    });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}
async function ok(args: string, input?: string): Promise<string> {
  const r = await k(args, input);
  if (r.code !== 0) throw new Error(`kubectl ${args} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

const golden = (p: string) => fs.readFileSync(path.join(repoRoot, 'tests/golden', p), 'utf8');
const flannel = golden('flannel/kube-flannel-1.32.4.yaml.golden');
const dashboard = golden('dashboard/dashboard-1.32.4.yaml.golden');
const readyNode = (name: string, labels: Record<string, string> = {}) => ({
  apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } },
  status: {
    conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }],
    addresses: [{ type: 'InternalIP', address: '10.77.0.11' }, { type: 'Hostname', address: name }],
    nodeInfo: { kubeletVersion: 'v1.32.3', osImage: 'Debian GNU/Linux 12 (bookworm)', kernelVersion: '6.1.0', containerRuntimeVersion: 'containerd://1.7.24' },
  },
});

beforeAll(async () => {
  try {
    kubectlBin = (await run(path.join(repoRoot, 'lab/packaging/real-kubectl.sh'), ['--print-path'], { timeout: 600_000 })).stdout.trim();
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`the real kubectl could not be obtained (lab/packaging/real-kubectl.sh needs deb.debian.org or KINSTALL_DEBIAN_MIRROR): ${err.stderr || err.message}`);
  }
  // Controllers effectively off: the tests set the status a kubelet/controller would.
  api = await startTestApiServer('real-kubectl', { controllerIntervalMs: 3_600_000 });
  const cert = issueCert(api.ca, { cn: 'kubernetes-admin', orgs: ['system:masters'], usage: 'client' });
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  kubeconfig = path.join(api.dir, 'admin.conf');
  cacheDir = path.join(api.dir, 'kube-cache');
  fs.writeFileSync(kubeconfig, [
    'apiVersion: v1', 'kind: Config',
    `clusters: [{name: lab, cluster: {server: '${api.base}', certificate-authority-data: ${b64(api.ca.certPem)}}}]`,
    `users: [{name: admin, user: {client-certificate-data: ${b64(cert.certPem)}, client-key-data: ${b64(cert.keyPem)}}}]`,
    'contexts: [{name: admin@lab, context: {cluster: lab, user: admin}}]', 'current-context: admin@lab', '',
  ].join('\n'), { mode: 0o600 });
  await api.admin.create('/api/v1/nodes', readyNode('cp1', { 'node-role.kubernetes.io/control-plane': '' }));
  await api.admin.create('/api/v1/nodes', readyNode('w1'));
}, 700_000);
afterAll(async () => { await api?.close(); });

describe('real kubectl 1.32.3 against the apiserver simulator', { timeout: 30_000 }, () => {
  it('is the real client', async () => {
    expect(await ok('version --client')).toContain('Client Version: v1.32.3');
    const v = await ok('version');
    expect(v).toContain('Server Version: v1.28.15');
    expect(await ok('cluster-info')).toContain(`Kubernetes control plane is running at ${api.base}`);
    expect(await ok('get --raw /readyz')).toBe('ok');
  });

  it('apply -f creates (client-side apply), re-apply is unchanged, a changed manifest is a strategic merge', async () => {
    const first = await ok('apply -f -', flannel);
    expect(first).toContain('namespace/kube-flannel created');
    expect(first).toContain('daemonset.apps/kube-flannel-ds created');
    const ds = await api.admin.get('/apis/apps/v1/namespaces/kube-flannel/daemonsets/kube-flannel-ds');
    expect(ds.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).toContain('"kind":"DaemonSet"');

    const again = await ok('apply -f -', flannel);
    expect(again.trim().split('\n').every((l) => l.endsWith(' unchanged')), again).toBe(true);

    // One container field changed, one env var removed: kubectl sends a three-way strategic merge
    // patch ($setElementOrder/env, the env entry deleted by name) that only a merge-key aware
    // server applies correctly; a JSON merge patch would replace or corrupt the lists.
    const changed = flannel
      .replace(/ {12}- name: EVENT_QUEUE_DEPTH\n {14}value: "5000"\n/, '')
      .replace('- name: kube-flannel\n          image: "docker.io/flannel/flannel:v0.25.6"', '- name: kube-flannel\n          image: "docker.io/flannel/flannel:v0.25.7"');
    expect(changed).not.toBe(flannel);
    const third = await ok('apply -f -', changed);
    expect(third).toContain('daemonset.apps/kube-flannel-ds configured');
    expect(third).toContain('configmap/kube-flannel-cfg unchanged');
    const after = await api.admin.get('/apis/apps/v1/namespaces/kube-flannel/daemonsets/kube-flannel-ds');
    const pod = after.spec.template.spec;
    const main = pod.containers.find((c: any) => c.name === 'kube-flannel');
    expect(main.image).toBe('docker.io/flannel/flannel:v0.25.7');
    expect(main.env.map((e: any) => e.name)).toEqual(['POD_NAME', 'POD_NAMESPACE', 'NODE_IP']);
    expect(main.volumeMounts.map((m: any) => m.mountPath)).toEqual(['/run/flannel', '/etc/kube-flannel/', '/run/xtables.lock']);
    expect(pod.initContainers.map((c: any) => [c.name, c.image])).toEqual([
      ['install-cni-plugin', 'docker.io/flannel/flannel-cni-plugin:v1.5.1-flannel2'], ['install-cni', 'docker.io/flannel/flannel:v0.25.6']]);
    expect(pod.volumes.map((v: any) => v.name)).toEqual(['run', 'cni-plugin', 'cni', 'flannel-cfg', 'xtables-lock']);
    expect(pod.tolerations).toEqual([{ effect: 'NoSchedule', operator: 'Exists' }]);
    expect(after.metadata.generation).toBe(2);
    expect(await ok('apply -f -', changed)).not.toContain('configured');
  });

  it('applies the dashboard manifest and re-applies it unchanged', async () => {
    const out = await ok('apply -f -', dashboard);
    expect(out).toContain('deployment.apps/kubernetes-dashboard created');
    expect(out).toContain('serviceaccount/kinstall-admin created');
    const again = await ok('apply -f -', dashboard);
    expect(again.trim().split('\n').every((l) => l.endsWith(' unchanged')), again).toBe(true);
  });

  it('refuses unknown fields under --validate=strict (the default) with the server\'s error', async () => {
    const bad = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: typo, namespace: default}\ndatta: {a: "1"}\n';
    const r = await k('apply -f -', bad);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('strict decoding error: unknown field "datta"');
  });

  it('prints server-side tables with printers.go columns (default and -o wide)', async () => {
    const nodes = (await ok('get nodes')).split('\n');
    expect(nodes[0]).toMatch(/^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION$/);
    expect(nodes[1]).toMatch(/^cp1\s+Ready\s+control-plane\s+\d+s\s+v1\.32\.3$/);
    expect(nodes[2]).toMatch(/^w1\s+Ready\s+<none>\s+\d+s\s+v1\.32\.3$/);
    const wide = (await ok('get nodes -o wide')).split('\n');
    expect(wide[0]).toMatch(/^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\s+INTERNAL-IP\s+EXTERNAL-IP\s+OS-IMAGE\s+KERNEL-VERSION\s+CONTAINER-RUNTIME$/);
    expect(wide[1]).toMatch(/10\.77\.0\.11\s+<none>\s+Debian GNU\/Linux 12 \(bookworm\)\s+6\.1\.0\s+containerd:\/\/1\.7\.24$/);
    const ds = (await ok('-n kube-flannel get daemonsets -o wide')).split('\n');
    expect(ds[0]).toMatch(/^NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR$/);
    expect(ds[1]).toMatch(/^kube-flannel-ds\s+0\s+0\s+0\s+0\s+0\s+<none>\s+\S+\s+kube-flannel\s+docker\.io\/flannel\/flannel:v0\.25\.7\s+k8s-app=flannel$/);
    const deploy = (await ok('-n kubernetes-dashboard get deployments')).split('\n');
    expect(deploy[0]).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE$/);
    expect(deploy[1]).toMatch(/^dashboard-metrics-scraper\s+0\/1\s+0\s+0\s+/);
    expect((await ok('-n kubernetes-dashboard get services')).split('\n')[0]).toMatch(/^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE$/);
    expect((await ok('get namespaces')).split('\n')[0]).toMatch(/^NAME\s+STATUS\s+AGE$/);
    expect((await ok('-n kube-flannel get configmaps')).split('\n')[0]).toMatch(/^NAME\s+DATA\s+AGE$/);
    expect((await ok('-n kubernetes-dashboard get secrets')).split('\n')[0]).toMatch(/^NAME\s+TYPE\s+DATA\s+AGE$/);
    expect((await ok('-n kubernetes-dashboard get serviceaccounts')).split('\n')[0]).toMatch(/^NAME\s+SECRETS\s+AGE$/);
    expect((await ok('get clusterroles flannel')).split('\n')[0]).toMatch(/^NAME\s+CREATED AT$/);
    expect(await ok('get nodes -o name')).toBe('node/cp1\nnode/w1\n');
  });

  it('wait --for=condition follows a watch until the condition holds', { timeout: 60_000 }, async () => {
    await api.admin.create('/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'late' }, status: { conditions: [{ type: 'Ready', status: 'False' }] } });
    const waiting = k('wait --for=condition=Ready node/late --timeout=30s');
    await new Promise((r) => setTimeout(r, 1500));
    await api.admin.mergePatch('/api/v1/nodes/late/status', { status: { conditions: [{ type: 'Ready', status: 'True' }] } });
    const r = await waiting;
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('node/late condition met\n');
    const timeout = await k('wait --for=condition=NoSuchCondition node/late --timeout=1s');
    expect(timeout.code).toBe(1);
    expect(timeout.stderr).toContain('timed out waiting for the condition on nodes/late');
  });

  it('rollout status (addon step) waits for the controller-reported rollout over watch', { timeout: 60_000 }, async () => {
    const rolling = k('-n kubernetes-dashboard rollout status deployment/kubernetes-dashboard --timeout=30s');
    await new Promise((r) => setTimeout(r, 1500));
    const d = await api.admin.get('/apis/apps/v1/namespaces/kubernetes-dashboard/deployments/kubernetes-dashboard');
    await api.admin.mergePatch('/apis/apps/v1/namespaces/kubernetes-dashboard/deployments/kubernetes-dashboard/status', {
      status: { observedGeneration: d.metadata.generation, replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1,
        conditions: [{ type: 'Available', status: 'True' }, { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' }] },
    });
    const r = await rolling;
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('deployment "kubernetes-dashboard" successfully rolled out');

    const ds = await api.admin.get('/apis/apps/v1/namespaces/kube-flannel/daemonsets/kube-flannel-ds');
    await api.admin.mergePatch('/apis/apps/v1/namespaces/kube-flannel/daemonsets/kube-flannel-ds/status', {
      status: { observedGeneration: ds.metadata.generation, desiredNumberScheduled: 2, currentNumberScheduled: 2, updatedNumberScheduled: 2, numberReady: 2, numberAvailable: 2 },
    });
    expect(await ok('-n kube-flannel rollout status daemonset/kube-flannel-ds --timeout=30s')).toContain('daemon set "kube-flannel-ds" successfully rolled out');
  });

  it('create token as templates/steps/dashboard-token.sh.hbs does (protobuf TokenRequest)', async () => {
    const token = (await ok('-n kubernetes-dashboard create token kinstall-admin --duration=24h')).trim();
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    expect(claims.sub).toBe('system:serviceaccount:kubernetes-dashboard:kinstall-admin');
    expect(claims.exp - claims.iat).toBe(86400);
    const short = await k('-n kubernetes-dashboard create token kinstall-admin --duration=1m');
    expect(short.stderr).toContain('spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes');
  });

  it('node-metadata: probe, plan, label/taint/annotate with the real client, then converged', async () => {
    const probe = async () => parseNodeMetadataProbe(`api=ok\n--- nodes json\n${await ok('--request-timeout=10s get nodes -o json')}`).nodes;
    const want = [{ name: 'w1', labels: { 'example.com/pool': 'blue', tier: 'b' }, taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' as const }] }];
    const plan = planNodeMetadata(await probe(), want);
    expect(plan.commands.map((c) => c[0])).toEqual(['label', 'taint', 'annotate']);
    // The apply template's own `k` lines, run with the real binary.
    const script = renderNodeMetadataApply(plan.commands).replace('kubectl --kubeconfig /etc/kubernetes/admin.conf', '"$KUBECTL" --kubeconfig "$KCFG" --cache-dir "$KCACHE"');
    const r = await new Promise<Result>((resolve) => {
      const child = spawn('bash', ['-c', script], { env: { ...process.env, KUBECTL: kubectlBin, KCFG: kubeconfig, KCACHE: cacheDir, HOME: api.dir } });
      let stdout = '', stderr = '';
      child.stdout.on('data', (d) => { stdout += d; });
      child.stderr.on('data', (d) => { stderr += d; });
      child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('node/w1 labeled');
    // kubectl taint --overwrite reports "modified" even for a new taint (kubectl taint.go reorganizeTaints).
    expect(r.stdout).toContain('node/w1 modified');
    expect(r.stdout).toContain('node/w1 annotated');
    const node = await api.admin.get('/api/v1/nodes/w1');
    expect(node.metadata.labels).toMatchObject({ 'example.com/pool': 'blue', tier: 'b' });
    expect(node.spec.taints).toEqual([{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }]);
    expect(node.metadata.annotations[managedLabelsAnnotation]).toBe('example.com/pool,tier');
    expect(planNodeMetadata(await probe(), want).commands).toEqual([]);
    // Removing what left the inventory: `label NODE key-` and `taint NODE key:Effect-`.
    const drop = planNodeMetadata(await probe(), [{ name: 'w1', labels: { tier: 'b' }, taints: [] }]);
    for (const c of drop.commands) await ok(c.map((a) => `'${a}'`).join(' '));
    const after = await api.admin.get('/api/v1/nodes/w1');
    expect(after.metadata.labels['example.com/pool']).toBeUndefined();
    expect(after.spec.taints ?? []).toEqual([]);
    const invalid = await k("label node w1 --overwrite 'bad key=x'");
    expect(invalid.code).not.toBe(0);
  });

  it('join/token.sh.hbs: the bootstrap-token Secret manifest applied from stdin (stringData folded into data)', async () => {
    const manifest = renderBootstrapTokenSecret('k1n2st.0123456789abcdef', new Date('2030-01-01T00:00:00Z'));
    expect(await ok('apply -f -', manifest)).toBe('secret/bootstrap-token-k1n2st created\n');
    const secret = await api.admin.get('/api/v1/namespaces/kube-system/secrets/bootstrap-token-k1n2st');
    expect(Buffer.from(secret.data['token-secret'], 'base64').toString()).toBe('0123456789abcdef');
    expect(secret.stringData).toBeUndefined();
    expect(secret.type).toBe('bootstrap.kubernetes.io/token');
  });

  it('drain as templates/steps/drain/drain.sh.hbs runs it: the eviction API refuses (429) while the PDB allows no disruption, the node stays cordoned; allowed, it drains', { timeout: 90_000 }, async () => {
    // Eviction wire format and kubectl's own retry/timeout loop (kubectl/pkg/drain/drain.go
    // evictPods) against the simulator's pods/eviction (eviction.go): the h-drain work was
    // only ever exercised with the kubectl simulator before this test.
    await api.admin.create('/api/v1/nodes', readyNode('w2'));
    await api.admin.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
    await api.admin.create('/apis/apps/v1/namespaces/shop/replicasets', {
      apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web-rs' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'registry.k8s.io/pause:3.10' }] } } },
    });
    await api.admin.create('/api/v1/namespaces/shop/pods', {
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: 'web-1', labels: { app: 'web' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-rs', uid: 'u-web-rs', controller: true }] },
      spec: { nodeName: 'w2', containers: [{ name: 'web', image: 'registry.k8s.io/pause:3.10' }] },
    });
    await api.admin.mergePatch('/api/v1/namespaces/shop/pods/web-1/status', { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } });
    const pdb = await api.admin.create('/apis/policy/v1/namespaces/shop/poddisruptionbudgets', {
      apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web-pdb' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } },
    });
    const pdbStatus = (allowed: number) => api.admin.mergePatch('/apis/policy/v1/namespaces/shop/poddisruptionbudgets/web-pdb/status', {
      status: { observedGeneration: pdb.metadata.generation ?? 1, disruptionsAllowed: allowed, currentHealthy: 1, desiredHealthy: 1 - allowed, expectedPods: 1 },
    });
    await pdbStatus(0);

    const blocked = await k('drain w2 --ignore-daemonsets --delete-emptydir-data --timeout=7s');
    expect(blocked.code).not.toBe(0);
    expect(blocked.stdout + blocked.stderr).toContain('node/w2 cordoned');
    expect(blocked.stderr).toContain('error when evicting pods/"web-1" -n "shop" (will retry after 5s): Cannot evict pod as it would violate the pod\'s disruption budget.');
    expect(blocked.stderr).toContain('global timeout reached: 7s');
    expect((await api.admin.get('/api/v1/nodes/w2')).spec?.unschedulable).toBe(true);
    expect((await api.admin.get('/api/v1/namespaces/shop/pods/web-1')).metadata.name).toBe('web-1');

    await pdbStatus(1);
    const drained = await k('drain w2 --ignore-daemonsets --delete-emptydir-data --timeout=30s');
    expect(drained.stderr).not.toMatch(/error/i);
    expect(drained.code).toBe(0);
    expect(drained.stdout).toContain('evicting pod shop/web-1');
    expect(drained.stdout).toContain('node/w2 drained');
    await expect(api.admin.get('/api/v1/namespaces/shop/pods/web-1')).rejects.toThrow();
    expect(await ok('uncordon w2')).toBe('node/w2 uncordoned\n');
    await api.admin.request('DELETE', '/api/v1/nodes/w2'); // later tests list the nodes
  });

  it('the e2e cluster checks\' kubectl calls (tests/e2e/cluster-checks.ts)', async () => {
    for (const d of ['kubernetes-dashboard', 'dashboard-metrics-scraper']) {
      await api.admin.mergePatch(`/apis/apps/v1/namespaces/kubernetes-dashboard/deployments/${d}/status`, { status: { readyReplicas: 1 } });
    }
    await api.admin.create('/api/v1/namespaces/kube-system/secrets', {
      apiVersion: 'v1', kind: 'Secret', metadata: { name: 'bootstrap-token-abcdef' }, type: 'bootstrap.kubernetes.io/token',
      stringData: { 'token-id': 'abcdef', 'token-secret': '0123456789abcdef', 'usage-bootstrap-authentication': 'true' },
    });
    await api.admin.mergePatch('/api/v1/nodes/late/status', { status: { conditions: [{ type: 'Ready', status: 'False' }] } });
    expect((await ok(`get nodes -o jsonpath='{range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}'`)).trim().split('\n'))
      .toEqual(['cp1=True', 'late=False', 'w1=True']);
    expect(await ok("-n kube-flannel get daemonset kube-flannel-ds -o jsonpath='{.status.desiredNumberScheduled} {.status.numberReady}'")).toBe('2 2');
    for (const d of ['kubernetes-dashboard', 'dashboard-metrics-scraper']) {
      expect(await ok(`-n kubernetes-dashboard get deployment ${d} -o jsonpath='{.spec.replicas} {.status.readyReplicas}'`)).toBe('1 1');
    }
    // templates/steps/addon/probe.sh.hbs: get KIND NAME -o jsonpath=<readyPath> per workload.
    expect(await ok("-n kube-flannel get 'daemonset' 'kube-flannel-ds' -o jsonpath='{.status.desiredNumberScheduled} {.status.numberReady}'")).toBe('2 2');
    expect(await ok("-n kubernetes-dashboard get 'deployment' 'kubernetes-dashboard' -o jsonpath='{.spec.replicas} {.status.readyReplicas}'")).toBe('1 1');
    await api.admin.request('DELETE', '/api/v1/namespaces/kube-system/secrets/bootstrap-token-k1n2st');
    const tokens = await ok("-n kube-system get secrets -o jsonpath='{range .items[?(@.type==\"bootstrap.kubernetes.io/token\")]}{.data.token-id} {.data.token-secret}{\"\\n\"}{end}'");
    expect(tokens.trim().split(' ').map((b) => Buffer.from(b, 'base64').toString())).toEqual(['abcdef', '0123456789abcdef']);
    // tests/lab/up-*: configmap JSON, a single node's jsonpath, -o name.
    expect(JSON.parse(await ok('-n kube-flannel get configmap kube-flannel-cfg -o json')).data['net-conf.json']).toContain('"Network"');
    expect(await ok(`get node w1 -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}'`)).toBe('True');
    expect(JSON.parse(await ok("get node w1 -o jsonpath='{.metadata.labels}'"))).toMatchObject({ tier: 'b' });
    // templates/steps/upgrade/cluster-probe.sh.hbs: two lines per Node from one call, the
    // annotation key's dot escaped.
    await api.admin.mergePatch('/api/v1/nodes/w1', { metadata: { annotations: { 'kinstall.io/drained-for-upgrade': 'v1.32.3' } } });
    const clusterProbe = /^k (get nodes -o jsonpath='.*')$/m.exec(renderClusterProbe())![1]!;
    const probeLines = (await ok(clusterProbe)).trim().split('\n');
    expect(probeLines.filter((l) => l.startsWith('drained='))).toEqual(['drained=cp1 ', 'drained=late ', 'drained=w1 v1.32.3']);
    expect(probeLines.filter((l) => l.startsWith('node=')).map((l) => l.split(' ')[0])).toEqual(['node=cp1', 'node=late', 'node=w1']);
    // templates/steps/join and reset: get node -o name, delete node --ignore-not-found (delete waits over watch).
    expect(await ok('get node w1 -o name --request-timeout=10s')).toBe('node/w1\n');
    expect(await ok('--request-timeout=30s delete node late --ignore-not-found')).toBe('node "late" deleted\n');
    expect(await ok('--request-timeout=30s delete node late --ignore-not-found')).toBe('');
    const missing = await k('get node late -o name --request-timeout=10s');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Error from server (NotFound): nodes "late" not found');
  });
});
