// The lab's kubeadm image constants (lab/simulators/.../versions.ts, used by the simulator and by
// lab/images.ts to seed the lab registry) against kinstall's own table (src/versions). kinstall
// documents its tags as the minors' x.y.0 values; kubeadm bumps etcd (and sometimes CoreDNS) in
// patch releases. Every difference is listed here so a new drift fails and the known ones are
// visible to whoever reads kinstall's table.
import { describe, expect, it } from 'vitest';
import { REPO_MINORS } from '../../../lab/packaging/catalogue.js';
import { labImages } from '../../../lab/images.js';
import { componentTags, etcdSupportedVersion, imageList, KNOWN_KUBEADM_RELEASES, parseVersion } from '../../../lab/simulators/src/common/kubeadm/versions.js';
import { corednsImageTag, etcdImageTag, pauseImageTag } from '../../../src/versions/index.js';

const served = REPO_MINORS.flatMap((m) => m.kubernetes);

/**
 * Differences between the two tables for the served releases: none since kinstall's table follows
 * kubeadm's patch bumps (src/versions/kubernetes.ts patchImageTags); before, every served patch
 * past x.y.0 differed (1.28.15 etcd: kubeadm 3.5.15-0, kinstall 3.5.9-0, …).
 */
const KNOWN_DIFFERENCES: string[] = [];

describe('image tables: lab kubeadm simulator vs kinstall (cmd/kubeadm/app/constants/constants.go)', () => {
  it('the simulator knows every Kubernetes release the lab repository serves', () => {
    for (const v of served) expect(KNOWN_KUBEADM_RELEASES, v).toContain(v);
  });
  it('x.y.0 rows are exactly kinstall\'s table (same upstream source)', () => {
    for (const r of KNOWN_KUBEADM_RELEASES.filter((x) => x.endsWith('.0'))) {
      expect(componentTags(parseVersion(r)!), r).toEqual({ pause: pauseImageTag(r), etcd: etcdImageTag(r), coredns: corednsImageTag(r) });
    }
  });
  it('pause agrees for every served release (kinstall writes it as containerd\'s sandbox image)', () => {
    for (const v of served) expect(componentTags(parseVersion(v)!).pause, v).toBe(pauseImageTag(v));
  });
  it('the other differences are exactly the known, listed ones', () => {
    const diffs: string[] = [];
    for (const v of served) {
      const t = componentTags(parseVersion(v)!);
      if (t.etcd !== etcdImageTag(v)) diffs.push(`${v} etcd: kubeadm ${t.etcd}, kinstall ${etcdImageTag(v)}`);
      if (t.coredns !== corednsImageTag(v)) diffs.push(`${v} coredns: kubeadm ${t.coredns}, kinstall ${corednsImageTag(v)}`);
    }
    expect(diffs).toEqual(KNOWN_DIFFERENCES);
  });
  it('the lab registry holds what both tables name for every release the repository serves', () => {
    const images = new Set(labImages());
    for (const v of served) {
      for (const i of imageList(parseVersion(v)!, 'google_containers')) expect(images, i).toContain(i);
      expect(images).toContain(`google_containers/etcd:${etcdImageTag(v)}`);
      expect(images).toContain(`google_containers/coredns:${corednsImageTag(v)}`);
    }
  });
  it('an unknown kubeadm patch is refused, not guessed; etcd follows the deployed minor', () => {
    expect(() => componentTags(parseVersion('1.28.3')!)).toThrow('no image table for kubeadm v1.28.3');
    expect(componentTags(parseVersion('1.27.16')!, parseVersion('1.28.15')!).etcd).toBe('3.5.12-0');
  });
  // constants.go EtcdSupportedVersion: a minor outside the kubeadm's map gets the nearest entry
  // and a warning (logged at --v=1), never an error: so kubeadm 1.31.2 asked for 1.32.3 lists its
  // own newest etcd (3.5.15-0), not the 3.5.16-0 kubeadm 1.32.3 deploys.
  it('an etcd for a minor the kubeadm does not know: the nearest one, with upstream\'s warning', () => {
    const above = etcdSupportedVersion(parseVersion('1.31.2')!, parseVersion('1.32.3')!);
    expect(above).toEqual({ etcd: '3.5.15-0', warning: 'could not find officially supported version of etcd for Kubernetes v1.32.3, falling back to the nearest etcd version (3.5.15-0)' });
    expect(componentTags(parseVersion('1.32.3')!, parseVersion('1.31.2')!).etcd).toBe('3.5.15-0');
    expect(componentTags(parseVersion('1.32.3')!).etcd).toBe('3.5.16-0');
    const below = etcdSupportedVersion(parseVersion('1.28.15')!, parseVersion('1.26.1')!);
    expect(below.etcd).toBe('3.5.12-0');
    expect(below.warning).toMatch(/falling back to the nearest etcd version \(3\.5\.12-0\)/);
    expect(etcdSupportedVersion(parseVersion('1.28.15')!, parseVersion('1.28.15')!).warning).toBeNull();
  });
});
