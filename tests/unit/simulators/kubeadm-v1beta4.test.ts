import { describe, expect, it } from 'vitest';
import { kubeadmApiVersions, parseKubeadmConfig, resolveInit, resolveJoin } from '../../../lab/simulators/src/common/kubeadm/config.js';
import { toArgs } from '../../../lab/simulators/src/common/kubeadm/kubelet-env.js';
import { parseVersion } from '../../../lab/simulators/src/common/kubeadm/versions.js';

const v131 = parseVersion('1.31.0')!;
const v128 = parseVersion('1.28.15')!;
// The shape of kinstall's templates/kubeadm/init-config.yaml.hbs for 1.31+.
const INIT = `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint: {advertiseAddress: 10.77.0.11, bindPort: 6443}
nodeRegistration:
  name: cp1
  criSocket: unix:///run/containerd/containerd.sock
  kubeletExtraArgs:
    - name: node-ip
      value: 10.77.0.11
  taints: []
timeouts: {controlPlaneComponentHealthCheck: 2m0s}
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: v1.31.0
networking: {podSubnet: 10.244.0.0/16}
controllerManager:
  extraArgs:
    - {name: node-cidr-mask-size, value: "25"}
apiServer: {certSANs: [10.77.0.11, api.lab]}
`;

describe('kubeadm.k8s.io/v1beta4 (cmd/kubeadm/app/apis/kubeadm/v1beta4, registered from 1.31)', () => {
  it('is registered from kubeadm 1.31 only, beside v1beta3', () => {
    expect(kubeadmApiVersions(v128)).toEqual(['v1beta3']);
    expect(kubeadmApiVersions(v131)).toEqual(['v1beta3', 'v1beta4']);
    expect(() => parseKubeadmConfig(INIT, 'init', v128)).toThrow('no kind "InitConfiguration" is registered for version "kubeadm.k8s.io/v1beta4"');
  });
  it('decodes list-shaped args and timeouts into what the phases use', () => {
    const s = resolveInit(parseKubeadmConfig(INIT, 'init', v131), v131, 'cp1');
    expect(toArgs(s.init.nodeRegistration.kubeletExtraArgs)).toEqual([{ name: 'node-ip', value: '10.77.0.11' }]);
    expect(s.init.nodeRegistration.taints).toEqual([]);
    expect(s.cluster.controllerManager.extraArgs).toEqual({ 'node-cidr-mask-size': '25' });
    expect(s.cluster.apiServer.timeoutForControlPlane).toBe('2m0s');
  });
  it('is strict: v1beta3 shapes in a v1beta4 document are errors', () => {
    expect(() => parseKubeadmConfig(INIT.replace('controlPlaneComponentHealthCheck: 2m0s}', 'controlPlaneComponentHealthCheck: 2m0s}').replace('apiServer: {', 'apiServer: {timeoutForControlPlane: 4m0s, '), 'init', v131))
      .toThrow('strict decoding error: unknown field "apiServer.timeoutForControlPlane"');
    expect(() => parseKubeadmConfig(INIT.replace(/kubeletExtraArgs:\n {4}- name: node-ip\n {6}value: 10.77.0.11/, 'kubeletExtraArgs: {node-ip: 10.77.0.11}'), 'init', v131))
      .toThrow(/cannot unmarshal object into Go struct field InitConfiguration\.nodeRegistration\.kubeletExtraArgs of type \[\]struct/);
  });
  it('join: timeouts.discovery replaces discovery.timeout; kubeletExtraArgs list reaches the join settings', () => {
    const j = resolveJoin(parseKubeadmConfig(`apiVersion: kubeadm.k8s.io/v1beta4
kind: JoinConfiguration
discovery: {bootstrapToken: {token: abcdef.0123456789abcdef, apiServerEndpoint: "10.77.0.11:6443", unsafeSkipCAVerification: true}}
nodeRegistration: {name: w1, kubeletExtraArgs: [{name: node-ip, value: 10.77.0.12}]}
timeouts: {discovery: 1m0s}
`, 'join', v131), 'w1');
    expect(j.kubeletExtraArgs).toEqual([{ name: 'node-ip', value: '10.77.0.12' }]);
    expect(j.join.discovery.timeout).toBe('1m0s');
    expect(() => parseKubeadmConfig(`apiVersion: kubeadm.k8s.io/v1beta4\nkind: JoinConfiguration\ndiscovery: {timeout: 1m0s}\n`, 'join', v131)).toThrow('unknown field "discovery.timeout"');
  });
});
