import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { lab, repoRoot, run, type LabDescription } from './lab-support.js';
import { buildCli } from './preflight-support.js';
import { kinstall } from './up-support.js';

/**
 * Acceptance (issue 11 item 11): with an imageRepository that lacks one image kubeadm needs, `up`
 * stops at the images step (before kubeadm init) with the missing image and where it was looked
 * for. The lab registry gets a copy of google_containers/* under partial/, without etcd.
 */

let l: LabDescription;
let inventory: string;
let etcdRef: string;
let registryHost: string;

beforeAll(() => {
  buildCli();
  l = lab();
  const images = run('node', ['--import', 'tsx', path.join(repoRoot, 'lab', 'images.ts')]).stdout.trim().split('\n');
  const kubeadmImages = images.filter((i) => i.startsWith('google_containers/'));
  etcdRef = kubeadmImages.find((i) => i.startsWith('google_containers/etcd:'))!;
  for (const ref of kubeadmImages.filter((i) => !i.startsWith('google_containers/etcd:'))) {
    const r = run('skopeo', ['copy', '--quiet', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${l.registry}/${ref}`, `docker://${l.registry}/${ref.replace(/^google_containers\//, 'partial/')}`]);
    expect(r.code, r.stderr).toBe(0);
  }
  const doc = parseDocument(fs.readFileSync(l.inventory, 'utf8'));
  // The same registry as the lab inventory's (its front, which the inventory's registryMirrors
  // map to plain http), under another path: partial/ is the copy without etcd.
  registryHost = String(doc.getIn(['kubernetes', 'imageRepository'])).split('/')[0]!;
  doc.setIn(['kubernetes', 'imageRepository'], `${registryHost}/partial`);
  inventory = path.join(path.dirname(l.inventory), 'inventory-partial-mirror.yaml');
  fs.writeFileSync(inventory, doc.toString());
});

afterAll(() => {
  if (inventory) fs.rmSync(inventory, { force: true });
});

describe('images the mirror must hold', () => {
  it('a mirror lacking etcd stops up before kubeadm init, naming the image and where it was looked for', () => {
    const r = kinstall('up', inventory);
    expect(r.code, r.stdout + r.stderr).toBe(4);
    const out = r.stdout + r.stderr;
    expect(out).toMatch(/images: 1 image\(s\) kubeadm init or the add-ons need cannot be pulled/);
    expect(out).toContain(`${registryHost}/partial/etcd:`);
    expect(out).toContain(`looked for at http://${registryHost}`);
    expect(out).not.toMatch(/partial\/kube-apiserver:.* — looked for/);
    expect(etcdRef).toBeTruthy();
  });
});
