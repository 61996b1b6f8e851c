import type { CriImage, CriStatus, CriVersion } from './cri.js';

/** Output formats of crictl 1.28-1.30 for the commands the simulator answers. */
export function formatVersion(v: CriVersion): string {
  return [`Version:  ${v.version}`, `RuntimeName:  ${v.runtimeName}`, `RuntimeVersion:  ${v.runtimeVersion}`, `RuntimeApiVersion:  ${v.runtimeApiVersion}`].join('\n');
}

/** `crictl info`: status conditions, then each info value parsed as JSON when it is JSON. */
export function formatInfo(s: CriStatus): string {
  const out: Record<string, unknown> = { status: { conditions: s.conditions } };
  for (const [k, v] of Object.entries(s.info)) {
    try { out[k] = JSON.parse(v); } catch { out[k] = v; }
  }
  return JSON.stringify(out, null, 2);
}

function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) { v /= 1000; i++; }
  return `${Number(v.toPrecision(3))}${units[i]}`;
}

/** Split "repo:tag" at the last colon after the last slash (registry ports contain colons). */
export function splitRepoTag(ref: string): [string, string] {
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  return colon > slash ? [ref.slice(0, colon), ref.slice(colon + 1)] : [ref, '<none>'];
}

export function formatImages(images: CriImage[], quiet: boolean): string {
  if (quiet) return images.map((i) => i.id).join('\n');
  const rows: string[][] = [['IMAGE', 'TAG', 'IMAGE ID', 'SIZE']];
  for (const img of images) {
    const id = img.id.replace(/^sha256:/, '').slice(0, 13);
    const tags = img.repoTags.length ? img.repoTags : img.repoDigests.map((d) => `${d.split('@')[0]}:<none>`);
    for (const t of tags) {
      const [repo, tag] = splitRepoTag(t);
      rows.push([repo, tag, id, humanSize(img.size)]);
    }
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]! + 3))).join('')).join('\n');
}
