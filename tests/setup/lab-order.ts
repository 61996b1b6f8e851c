/**
 * The order lab test files run in (they share one lab and run one at a time): groups by prefix —
 * lab-* (the lab itself), preflight-* (expect pristine hosts), up-* (install Kubernetes on them),
 * then day 2 (day2-*: certificates, prune, upgrades) and HA (ha-*), which build clusters of their
 * own — and within a group name order with numbers compared as numbers (up-2 before up-10). The
 * order lives in the file names instead of depending on timing caches.
 */
export const LAB_GROUPS = ['lab-', 'preflight-', 'up-', 'day2-', 'ha-'] as const;

function groupOf(file: string): number {
  const base = file.slice(file.lastIndexOf('/') + 1);
  const i = LAB_GROUPS.findIndex((p) => base.startsWith(p));
  return i === -1 ? LAB_GROUPS.length : i;
}

export function compareLabFiles(a: string, b: string): number {
  return groupOf(a) - groupOf(b) || a.localeCompare(b, 'en', { numeric: true });
}
