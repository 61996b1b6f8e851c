import { describe, expect, it } from 'vitest';
import { expectGolden } from '../../helpers/golden.js';
import { modulesConfPath, renderModulesConf, renderSysctlConf, sysctlConfPath } from '../../../src/kube/system.js';

/** What `sysctl --system` would apply from a sysctl.d file: key → value, comments skipped. */
function sysctlSettings(text: string): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const eq = line.indexOf('=');
    if (eq < 0) throw new Error(`not a sysctl line: ${line}`);
    settings[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return settings;
}

// These files do not depend on the Kubernetes version: one golden each covers 1.28 and 1.32.
describe('system files', () => {
  it('sysctl.d enables bridge netfilter and forwarding', () => {
    const text = renderSysctlConf();
    expectGolden('system/99-kubernetes.conf.golden', text);
    expect(sysctlConfPath).toBe('/etc/sysctl.d/99-kubernetes.conf');
    expect(sysctlSettings(text)).toEqual({
      'net.bridge.bridge-nf-call-iptables': '1',
      'net.bridge.bridge-nf-call-ip6tables': '1',
      'net.ipv4.ip_forward': '1',
    });
  });

  it('modules-load.d loads overlay and br_netfilter', () => {
    const text = renderModulesConf();
    expectGolden('system/modules-kubernetes.conf.golden', text);
    expect(modulesConfPath).toBe('/etc/modules-load.d/kubernetes.conf');
    const modules = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    expect(modules).toEqual(['overlay', 'br_netfilter']);
  });
});
