import { describe, expect, it } from 'vitest';
import { parseKubeadmConfig, resolveInit, resolveJoin } from '../../../lab/simulators/src/common/kubeadm/config.js';
import { argumentsToCommand, kubeletEnvFile, toArgs } from '../../../lab/simulators/src/common/kubeadm/kubelet-env.js';
import { parseVersion } from '../../../lab/simulators/src/common/kubeadm/versions.js';
import { parseKubeletFlags } from '../../../lab/simulators/src/common/kubelet-checks.js';

const v128 = parseVersion('1.28.15')!;
const CP_TAINT = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' };
const initCfg = (nodeRegistration: string) => resolveInit(parseKubeadmConfig(
  `apiVersion: kubeadm.k8s.io/v1beta3\nkind: InitConfiguration\nlocalAPIEndpoint: {advertiseAddress: 10.77.0.11}\nnodeRegistration: ${nodeRegistration}\n`, 'init'), v128, 'cp1');
const HASH = `sha256:${'a'.repeat(64)}`;
const joinCfg = (nodeRegistration: string, controlPlane = '') => resolveJoin(parseKubeadmConfig(`apiVersion: kubeadm.k8s.io/v1beta3
kind: JoinConfiguration
discovery: {bootstrapToken: {token: abcdef.0123456789abcdef, apiServerEndpoint: "10.77.0.11:6443", caCertHashes: ["${HASH}"]}}
nodeRegistration: ${nodeRegistration}
${controlPlane}`, 'join'), 'w1');

describe('nodeRegistration.taints (util/config SetNodeRegistrationDynamicDefaults)', () => {
  it('init: absent or null means the control-plane taint, [] means none, a list is kept as is', () => {
    expect(initCfg('{}').init.nodeRegistration.taints).toEqual([CP_TAINT]);
    expect(initCfg('{taints: null}').init.nodeRegistration.taints).toEqual([CP_TAINT]);
    expect(initCfg('{taints: []}').init.nodeRegistration.taints).toEqual([]);
    expect(initCfg('{taints: [{key: dedicated, value: infra, effect: NoExecute}]}').init.nodeRegistration.taints).toEqual([{ key: 'dedicated', value: 'infra', effect: 'NoExecute' }]);
  });
  it('join: a worker gets no default taint; a control-plane join gets it unless taints: []', () => {
    expect(joinCfg('{}').taints).toBeUndefined();
    expect(joinCfg('{taints: [{key: gpu, effect: NoSchedule}]}').taints).toEqual([{ key: 'gpu', effect: 'NoSchedule' }]);
    const cp = 'controlPlane: {certificateKey: ' + '"' + 'b'.repeat(64) + '"' + ', localAPIEndpoint: {advertiseAddress: 10.77.0.12}}';
    expect(joinCfg('{}', cp).taints).toEqual([CP_TAINT]);
    expect(joinCfg('{taints: []}', cp).taints).toEqual([]);
  });
});

describe('kubeadm-flags.env (phases/kubelet/flags.go, util/arguments.go)', () => {
  const base = { criSocket: 'unix:///run/containerd/containerd.sock', pauseImage: 'registry.k8s.io/pause:3.9', nodeName: 'w1', hostname: 'w1' };
  it('v1beta3 map and v1beta4 list kubeletExtraArgs both become sorted --name=value flags that override kubeadm\'s', () => {
    expect(toArgs({ 'node-ip': '10.77.0.12', 'node-labels': 'disktype=ssd' })).toEqual([{ name: 'node-ip', value: '10.77.0.12' }, { name: 'node-labels', value: 'disktype=ssd' }]);
    expect(toArgs([{ name: 'node-ip', value: '10.77.0.12' }])).toEqual([{ name: 'node-ip', value: '10.77.0.12' }]);
    expect(argumentsToCommand([{ name: 'b', value: '1' }, { name: 'a', value: '1' }], [{ name: 'b', value: '2' }])).toEqual(['--a=1', '--b=2']);
  });
  it('a worker join registers its taints through the kubelet; init and control-plane joins never do', () => {
    const taints = [{ key: 'gpu', value: 'true', effect: 'NoSchedule' }, { key: 'spot', effect: 'PreferNoSchedule' }];
    const worker = kubeletEnvFile({ ...base, taints, registerTaintsUsingFlags: true, kubeletExtraArgs: toArgs({ 'node-ip': '10.77.0.12', 'node-labels': 'disktype=ssd' }) });
    expect(worker).toBe('KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///run/containerd/containerd.sock --node-ip=10.77.0.12 --node-labels=disktype=ssd --pod-infra-container-image=registry.k8s.io/pause:3.9 --register-with-taints=gpu=true:NoSchedule,spot:PreferNoSchedule"\n');
    expect(kubeletEnvFile({ ...base, taints, registerTaintsUsingFlags: false, kubeletExtraArgs: [] })).not.toContain('register-with-taints');
    expect(kubeletEnvFile({ ...base, taints: [], registerTaintsUsingFlags: true, kubeletExtraArgs: [] })).not.toContain('register-with-taints');
    // The file's flags are what the kubelet simulator parses (systemd drop-in expands them).
    const argv = /"(.*)"/.exec(worker)![1]!.split(' ');
    const flags = parseKubeletFlags(argv);
    expect(flags).toMatchObject({ nodeIp: '10.77.0.12', nodeLabels: { disktype: 'ssd' }, registerWithTaints: ['gpu=true:NoSchedule', 'spot:PreferNoSchedule'] });
  });
  it('hostname-override: from the node name when it differs from the hostname, or from the extra args', () => {
    expect(kubeletEnvFile({ ...base, nodeName: 'node-a', taints: undefined, registerTaintsUsingFlags: true, kubeletExtraArgs: [] })).toContain('--hostname-override=node-a');
    expect(kubeletEnvFile({ ...base, taints: undefined, registerTaintsUsingFlags: true, kubeletExtraArgs: [{ name: 'hostname-override', value: 'x' }] })).toContain('--hostname-override=x ');
  });
  it('the init and join configs carry kubeletExtraArgs through', () => {
    expect(joinCfg('{kubeletExtraArgs: {node-ip: 10.77.0.12}}').kubeletExtraArgs).toEqual([{ name: 'node-ip', value: '10.77.0.12' }]);
    expect(toArgs(initCfg('{kubeletExtraArgs: {node-ip: 10.77.0.11}}').init.nodeRegistration.kubeletExtraArgs)).toEqual([{ name: 'node-ip', value: '10.77.0.11' }]);
  });
});
