import fs from 'node:fs';
import YAML from 'yaml';
import { CriClient, type CriImage } from './common/cri.js';
import { formatImages, formatInfo, formatVersion } from './common/crictl-format.js';
import { parseFlags, bool, str, UsageError } from './common/kubeadm/flags.js';
import { SIMULATOR_MARK, simulatorVersions } from './common/version.js';

const DEFAULT_ENDPOINTS = ['unix:///var/run/dockershim.sock', 'unix:///run/containerd/containerd.sock', 'unix:///run/crio/crio.sock', 'unix:///var/run/cri-dockerd.sock'];

/** logrus text format as crictl prints it when stderr is not a terminal. */
const logLine = (level: 'fatal' | 'warning', msg: string) =>
  `time="${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}" level=${level} msg="${msg.replace(/"/g, '\\"')}"`;

interface CrictlConfig { 'runtime-endpoint'?: string; 'image-endpoint'?: string; timeout?: number }

function endpointFor(flag: string | undefined, configFile: string): { endpoint: string; warn?: string } {
  if (flag) return { endpoint: flag };
  if (fs.existsSync(configFile)) {
    const cfg = (YAML.parse(fs.readFileSync(configFile, 'utf8')) ?? {}) as CrictlConfig;
    if (cfg['runtime-endpoint']) return { endpoint: cfg['runtime-endpoint'] };
  }
  const existing = DEFAULT_ENDPOINTS.find((e) => fs.existsSync(e.replace('unix://', ''))) ?? DEFAULT_ENDPOINTS[0]!;
  return {
    endpoint: existing,
    warn: logLine('warning', `runtime connect using default endpoints: [${DEFAULT_ENDPOINTS.join(' ')}]. As the default settings are now deprecated, you should set the endpoint instead.`),
  };
}

async function findImage(cri: CriClient, ref: string): Promise<CriImage> {
  const img = await cri.imageStatus(ref);
  if (!img) throw new Error(`no such image "${ref}" present`);
  return img;
}

export async function runCrictl(argv: string[], out: (s: string) => void = (s) => process.stdout.write(`${s}\n`), err: (s: string) => void = (s) => process.stderr.write(`${s}\n`)): Promise<number> {
  let cri: CriClient | undefined;
  try {
    const a = parseFlags(argv, { 'runtime-endpoint': 'string', 'image-endpoint': 'string', timeout: 'string', config: 'string', debug: 'bool', version: 'bool', quiet: 'bool', output: 'string', verbose: 'bool' },
      { r: 'runtime-endpoint', i: 'image-endpoint', t: 'timeout', c: 'config', D: 'debug', v: 'verbose', q: 'quiet', o: 'output' });
    if (bool(a, 'version')) { out(`crictl version v${simulatorVersions().criTools ?? '1.28.0'} ${SIMULATOR_MARK}`); return 0; }
    const [cmd, ...args] = a.positional;
    if (!cmd) throw new UsageError('a command is required: version, info, images, pull, inspecti');
    const { endpoint, warn } = endpointFor(str(a, 'runtime-endpoint'), str(a, 'config') ?? '/etc/crictl.yaml');
    if (warn) err(warn);
    const timeoutMs = (Number.parseInt(str(a, 'timeout') ?? '2', 10) || 2) * 1000;
    cri = new CriClient(endpoint, Math.max(timeoutMs, 2000));
    switch (cmd) {
      case 'version': out(formatVersion(await cri.version())); break;
      case 'info': await cri.version(); out(formatInfo(await cri.status(true))); break;
      case 'images': case 'image': case 'img': {
        await cri.version();
        let images = await cri.listImages();
        if (args[0]) images = images.filter((i) => i.repoTags.some((t) => t === args[0] || t.startsWith(`${args[0]}:`)));
        out(formatImages(images, bool(a, 'quiet')));
        break;
      }
      case 'pull': {
        if (!args[0]) throw new UsageError('image name cannot be empty');
        await cri.version();
        try {
          out(`Image is up to date for ${await cri.pullImage(args[0])}`);
        } catch (e) {
          throw new Error(`pulling image: ${(e as Error).message}`);
        }
        break;
      }
      case 'inspecti': {
        if (!args[0]) throw new UsageError('ID cannot be empty');
        await cri.version();
        const img = await findImage(cri, args[0]);
        out(JSON.stringify({ status: { id: img.id, repoTags: img.repoTags, repoDigests: img.repoDigests, size: String(img.size), pinned: img.pinned } }, null, 2));
        break;
      }
      default:
        throw new UsageError(`the kinstall lab simulator's crictl answers version, info, images, pull, inspecti; not "${cmd}"`);
    }
    return 0;
  } catch (e) {
    err(logLine('fatal', (e as Error).message));
    return 1;
  } finally {
    cri?.close();
  }
}

if (process.argv[1] && /crictl(\.js)?$/.test(process.argv[1])) {
  runCrictl(process.argv.slice(2)).then((code) => process.exit(code));
}
