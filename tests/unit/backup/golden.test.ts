import { describe, it } from 'vitest';
import { renderBackupCleanup, renderBackupSave, renderStateProbe } from '../../../src/backup/backup.js';
import { renderRestore, renderRestorePrepare } from '../../../src/backup/restore.js';
import { expectGolden } from '../../helpers/golden.js';
import { labCluster } from '../steps/inventories.js';

const cp = labCluster().hosts[0]!;

describe('backup / restore scripts (golden)', () => {
  it('backup', () => {
    expectGolden('steps/backup/probe.sh', renderStateProbe());
    expectGolden('steps/backup/save.sh', renderBackupSave('lab', cp));
    expectGolden('steps/backup/cleanup.sh', renderBackupCleanup('/var/tmp/kinstall-backup.Ab12Cd'));
  });
  it('restore', () => {
    expectGolden('steps/restore/prepare.sh', renderRestorePrepare());
    expectGolden('steps/restore/restore.sh', renderRestore(cp, '20261130T062000Z'));
  });
});
