// The kinstall CLI straight from the sources (tsx), so the Vagrant stage needs no `npm run build`.
import { main } from '../../src/cli/main.js';

process.exitCode = await main(process.argv);
