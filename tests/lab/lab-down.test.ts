import { describe, expect, it } from 'vitest';
import { lab, labDir, labScript, mountsUnder, processesWhere, run } from './lab-support.js';

/**
 * lab:down leaves nothing behind. Checked here independently of the script's own check-clean.sh;
 * afterwards the lab is brought back up, so this file can run in any order.
 */
function leftovers(): string[] {
  const found = processesWhere((cmdline) => cmdline.includes(`${labDir}/`));
  for (const mountPoint of mountsUnder(`${labDir}/`)) found.push(`mount ${mountPoint}`);
  const cgroups = run('find', ['/sys/fs/cgroup', '-maxdepth', '6', '-type', 'd', '-name', 'klab-*']).stdout.trim();
  if (cgroups) found.push(`cgroups ${cgroups}`);
  const netns = run('ip', ['netns', 'list']).stdout.split('\n').filter((n) => n.startsWith('klab'));
  if (netns.length) found.push(`netns ${netns.join(',')}`);
  const links = run('ip', ['-br', 'link']).stdout.split('\n').filter((n) => n.startsWith('klab'));
  if (links.length) found.push(`links ${links.join(',')}`);
  const routes = run('ip', ['route']).stdout.split('\n').filter((r) => r.startsWith('10.77.'));
  if (routes.length) found.push(`routes ${routes.join(',')}`);
  const listeners = run('ss', ['-ltnH']).stdout.split('\n').filter((s) => / 10\.77\.\S+:\d+ /.test(s));
  if (listeners.length) found.push(`listeners ${listeners.join(',')}`);
  return found;
}

describe('lab:down', () => {
  it('removes every process, mount, cgroup, namespace, route and listener, and lab:up restores the lab', () => {
    const l = lab();
    expect(leftovers().length).toBeGreaterThan(0); // the probe sees a running lab
    const hosts = String(l.hosts.length);
    labScript('down');
    expect(leftovers()).toEqual([]);
    labScript('up', [], { LAB_HOSTS: hosts });
    expect(lab().hosts.length).toBe(l.hosts.length);
  });
});
