#!/usr/bin/env node
// Bundles each simulator into one CommonJS file for Debian 12's nodejs 18:
//   node lab/simulators/build.mjs [--outdir DIR] [tool ...]   → lab/simulators/dist/<tool>.js
// CommonJS because /usr/lib/kinstall-simulator has no package.json (a .js file there is CJS).
// The CRI proto travels inside the bundles (`?raw` imports → esbuild's text loader).
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const outFlag = args.indexOf('--outdir');
const outdir = outFlag === -1 ? path.join(here, 'dist') : path.resolve(args.splice(outFlag, 2)[1]);
const TOOLS = ['kubeadm', 'kubelet', 'kubectl', 'crictl', 'kube-apiserver'];

const rawPlugin = {
  name: 'raw',
  setup(b) {
    b.onResolve({ filter: /\?raw$/ }, (args) => ({ path: path.resolve(args.resolveDir, args.path.replace(/\?raw$/, '')), namespace: 'raw' }));
    b.onLoad({ filter: /.*/, namespace: 'raw' }, (args) => ({ contents: fs.readFileSync(args.path, 'utf8'), loader: 'text' }));
  },
};

// etcd3 (the lab's etcd client) reads its .proto files next to its own module at load time; a
// bundle has no such files, so the parsed definitions travel inside it as JSON.
const require = createRequire(import.meta.url);
const etcd3Plugin = {
  name: 'etcd3-protos',
  setup(b) {
    b.onLoad({ filter: /etcd3[\\/]lib[\\/]connection-pool\.js$/ }, (args) => {
      const protobuf = require('protobufjs');
      const protoFile = path.join(path.dirname(args.path), '..', 'proto', 'rpc.proto');
      // keepCase as etcd3 asks of loadSync: its requests use the .proto's snake_case field names.
      const json = JSON.stringify(new protobuf.Root().loadSync(protoFile, { keepCase: true }).toJSON());
      const source = fs.readFileSync(args.path, 'utf8');
      const call = /\(0, proto_loader_1\.loadSync\)\(`\$\{__dirname\}\/\.\.\/proto\/rpc\.proto`,/;
      if (!call.test(source)) throw new Error(`etcd3's proto loading changed: update etcd3Plugin in ${here}/build.mjs`);
      return { contents: source.replace(call, `(0, proto_loader_1.fromJSON)(${json},`), loader: 'js' };
    });
  },
};

fs.mkdirSync(outdir, { recursive: true });
// dist/ sits inside the ESM project root: mark it CommonJS so the bundles also run from here.
fs.writeFileSync(path.join(outdir, 'package.json'), '{"type":"commonjs"}\n');

const only = args;
for (const tool of TOOLS.filter((t) => only.length === 0 || only.includes(t))) {
  const entry = path.join(here, 'src', `${tool}.ts`);
  if (!fs.existsSync(entry)) throw new Error(`missing simulator entry ${entry}`);
  await build({
    entryPoints: [entry],
    outfile: path.join(outdir, `${tool}.js`),
    bundle: true,
    platform: 'node',
    target: 'node18',
    format: 'cjs',
    // esbuild keeps an entry's own hashbang; add one only where the entry has none.
    ...(fs.readFileSync(entry, 'utf8').startsWith('#!') ? {} : { banner: { js: '#!/usr/bin/env node' } }),
    plugins: [rawPlugin, etcd3Plugin],
    logLevel: 'warning',
    legalComments: 'none',
  });
  fs.chmodSync(path.join(outdir, `${tool}.js`), 0o755);
}
