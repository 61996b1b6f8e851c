import { certsCmd } from './common/kubeadm/certs.js';
import { configCmd, initCmd, joinCmd, resetCmd, tokenCmd, versionCmd } from './common/kubeadm/commands.js';
import { upgradeCmd } from './common/kubeadm/upgrade.js';
import { PhaseError, processIo, STACK_HINT, type Io } from './common/kubeadm/output.js';
import { parseVersion } from './common/kubeadm/versions.js';
import { simulatorVersions } from './common/version.js';

/** kubeadm simulator entry: returns the exit code; all output goes through io. */
export async function runKubeadm(argv: string[], io: Io = processIo): Promise<number> {
  try {
    const kubeadm = parseVersion(simulatorVersions().kubernetes)!;
    const [cmd, ...rest] = argv;
    switch (cmd) {
      case 'version': versionCmd(rest, kubeadm, io); break;
      case 'init': await initCmd(rest, kubeadm, io); break;
      case 'join': await joinCmd(rest, kubeadm, io); break;
      case 'token': await tokenCmd(rest, io); break;
      case 'reset': await resetCmd(rest, io); break;
      case 'config': await configCmd(rest, kubeadm, io); break;
      case 'certs': await certsCmd(rest, kubeadm, io); break;
      case 'upgrade': await upgradeCmd(rest, kubeadm, io); break;
      case undefined: case 'help': case '--help': case '-h':
        io.out('Usage:\n  kubeadm [command]\n\nAvailable Commands:\n  certs, config, init, join, reset, token, upgrade, version (kinstall lab simulator subset)');
        break;
      default:
        throw new Error(`unknown command "${cmd}" for "kubeadm"`);
    }
    return 0;
  } catch (e) {
    const msg = e instanceof PhaseError ? `error execution phase ${e.phase}: ${e.message}` : (e as Error).message;
    io.err(msg);
    io.err(STACK_HINT);
    return 1;
  }
}

if (process.argv[1] && /kubeadm(\.js)?$/.test(process.argv[1])) {
  runKubeadm(process.argv.slice(2)).then((code) => process.exit(code));
}
