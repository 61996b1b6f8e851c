import type { HostFacts } from './types.js';
import type { PortSpec } from './ports.js';

export type FirewallBackend = 'firewalld' | 'ufw' | 'rules' | 'none';

export interface FirewallVerdict {
  backend: FirewallBackend;
  /** What was looked at, for messages: "firewalld (zone public)". */
  description: string;
  blocked: PortSpec[];
}

interface Range {
  proto: 'tcp' | 'udp' | 'any';
  from: number;
  to: number;
}

/** "6443/tcp", "2379-2380/tcp", "30000:32767/tcp", "6443" (both protocols). */
function parsePortToken(token: string, defaultProto: Range['proto'] = 'any'): Range[] {
  const [ports = '', proto] = token.split('/');
  const p: Range['proto'] = proto === 'tcp' || proto === 'udp' ? proto : defaultProto;
  return ports
    .split(',')
    .map((part) => /^(\d+)(?:[-:](\d+))?$/.exec(part.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ proto: p, from: Number(m[1]), to: Number(m[2] ?? m[1]) }));
}

const protoMatches = (r: Range, p: PortSpec) => r.proto === 'any' || r.proto === p.proto;
const covers = (r: Range, p: PortSpec) => protoMatches(r, p) && r.from <= p.from && r.to >= p.to;
const touches = (r: Range, p: PortSpec) => protoMatches(r, p) && r.from <= p.to && r.to >= p.from;

/** firewalld rejects what the zone does not open: its ports plus its services' ports. */
function firewalldBlocked(facts: HostFacts, needed: PortSpec[]): PortSpec[] {
  const fw = facts.firewall.firewalld;
  const open = [...fw.ports, ...fw.services.flatMap((s) => s.ports)].flatMap((t) => parsePortToken(t));
  return needed.filter((p) => !open.some((r) => covers(r, p)));
}

function ufwActive(facts: HostFacts): boolean {
  return /^Status:\s*active/m.test(facts.firewall.ufw ?? '');
}

/** ufw status verbose: the default incoming policy, then ALLOW/DENY/REJECT rules in order. */
function ufwBlocked(text: string, needed: PortSpec[]): PortSpec[] {
  const defaultDeny = !/^Default:\s*allow \(incoming\)/m.test(text);
  const rules: { range: Range; allow: boolean }[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\S+)\s+(ALLOW|DENY|REJECT|LIMIT)(?:\s+IN)?\s+Anywhere/.exec(line.trim());
    if (!m || line.includes('(v6)')) continue;
    for (const range of parsePortToken(m[1]!)) rules.push({ range, allow: m[2] === 'ALLOW' || m[2] === 'LIMIT' });
  }
  return needed.filter((p) => {
    const first = rules.find((r) => touches(r.range, p));
    if (first) return !(first.allow && covers(first.range, p));
    return defaultDeny;
  });
}

interface Rule {
  ranges: Range[] | 'all';
  /** The rule has conditions besides protocol and port (source, interface, state...). */
  conditional: boolean;
  action: 'accept' | 'drop' | 'other';
}

/**
 * First rule that decides for the port wins. An unconditional match decides; a conditional drop
 * naming the port counts as blocking (it drops the port for somebody); a conditional accept or a jump to another
 * chain does not decide, so the chain policy applies. Honest limits: jumped-to chains are not
 * followed.
 */
function chainBlocks(policyDrops: boolean, rules: Rule[], p: PortSpec): boolean {
  for (const rule of rules) {
    const matches = rule.ranges === 'all' || rule.ranges.some((r) => touches(r, p));
    if (!matches || rule.action === 'other') continue;
    if (rule.action === 'drop') {
      // A conditional drop of everything (one banned source, invalid packets) does not target the port.
      if (rule.conditional && rule.ranges === 'all') continue;
      return true;
    }
    const fullyCovered = rule.ranges === 'all' || rule.ranges.some((r) => covers(r, p));
    if (!rule.conditional && fullyCovered) return false;
  }
  return policyDrops;
}

function iptablesRules(text: string): { policyDrops: boolean; rules: Rule[] } {
  let policyDrops = false;
  const rules: Rule[] = [];
  for (const line of text.split('\n')) {
    const words = line.trim().split(/\s+/);
    if (words[0] === '-P') policyDrops = words[2] === 'DROP' || words[2] === 'REJECT';
    if (words[0] !== '-A') continue;
    const target = words[words.indexOf('-j') + 1] ?? '';
    const proto = words.includes('-p') ? (words[words.indexOf('-p') + 1] as Range['proto']) : 'any';
    const portIdx = words.findIndex((w) => w === '--dport' || w === '--dports');
    const ranges = portIdx >= 0 ? parsePortToken(words[portIdx + 1] ?? '', proto) : proto === 'any' ? 'all' : [{ proto, from: 0, to: 65535 }];
    const conditional = words.some((w) => ['-s', '-d', '-i', '--state', '--ctstate', '--src-type', '--dst-type'].includes(w));
    const action = target === 'ACCEPT' ? 'accept' : target === 'DROP' || target === 'REJECT' ? 'drop' : 'other';
    rules.push({ ranges, conditional, action });
  }
  return { policyDrops, rules };
}

/** Chains of `nft list ruleset` that hook input: their policy and dport rules. */
function nftInputChains(text: string): { name: string; policyDrops: boolean; rules: Rule[] }[] {
  const chains: { name: string; policyDrops: boolean; rules: Rule[] }[] = [];
  let current: { name: string; policyDrops: boolean; rules: Rule[]; input: boolean } | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const start = /^chain\s+(\S+)\s*\{/.exec(line);
    if (start) {
      current = { name: start[1]!, policyDrops: false, rules: [], input: false };
      continue;
    }
    if (!current) continue;
    if (line === '}') {
      if (current.input) chains.push(current);
      current = undefined;
      continue;
    }
    if (/\bhook\s+input\b/.test(line)) {
      current.input = true;
      current.policyDrops = /policy\s+drop/.test(line);
      continue;
    }
    const words = line.replace(/\s+counter packets \d+ bytes \d+/, '').split(/\s+/);
    const last = words[words.length - 1] ?? '';
    const action = last === 'accept' ? 'accept' : last === 'drop' || words.includes('reject') ? 'drop' : 'other';
    const dport = /\b(tcp|udp)\s+dport\s+(\{[^}]*\}|\S+)/.exec(line);
    const ranges = dport ? parsePortToken(dport[2]!.replace(/[{}\s]/g, ''), dport[1] as Range['proto']) : 'all';
    const conditional = /\b(saddr|daddr|iif|iifname|ct state|meta pkttype|fib)\b/.test(line) || line.includes('jump') || line.includes('goto');
    current.rules.push({ ranges, conditional, action });
  }
  return chains;
}

/**
 * Which of the needed ports the host's firewall blocks. firewalld and ufw are judged by their own
 * view (zone ports/services; ufw rules), since both manage their own chains; otherwise the raw
 * iptables INPUT chain and every nftables chain hooking input.
 */
export function firewallVerdict(facts: HostFacts, needed: PortSpec[]): FirewallVerdict {
  const fw = facts.firewall.firewalld;
  if (fw.state === 'running') {
    return { backend: 'firewalld', description: `firewalld (zone ${fw.zone || 'default'})`, blocked: firewalldBlocked(facts, needed) };
  }
  if (ufwActive(facts)) return { backend: 'ufw', description: 'ufw', blocked: ufwBlocked(facts.firewall.ufw ?? '', needed) };

  const blocked = new Set<PortSpec>();
  const sources: string[] = [];
  if (facts.firewall.iptablesInput) {
    const { policyDrops, rules } = iptablesRules(facts.firewall.iptablesInput);
    for (const p of needed) if (chainBlocks(policyDrops, rules, p)) blocked.add(p);
    if (policyDrops || rules.length) sources.push('iptables INPUT chain');
  }
  for (const chain of nftInputChains(facts.firewall.nftRuleset ?? '')) {
    for (const p of needed) if (chainBlocks(chain.policyDrops, chain.rules, p)) blocked.add(p);
    if (chain.policyDrops || chain.rules.length) sources.push(`nftables chain ${chain.name}`);
  }
  if (sources.length === 0) return { backend: 'none', description: 'no active firewall', blocked: [] };
  return { backend: 'rules', description: sources.join(', '), blocked: needed.filter((p) => blocked.has(p)) };
}
