import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** Workers' free plan takes a Worker of at most 3 MiB, compressed. */
export const WORKER_LIMIT_GZIP = 3 * 1024 * 1024;

/** What must never reach the Worker's bundle: native code, threads, the embedded database, Node-only clients. */
export const NODE_ONLY = [
  /node_modules\/sharp\//,
  /node_modules\/piscina\//,
  /node_modules\/@electric-sql\/pglite\//,
  /node_modules\/pg-boss\/src\/(?!plans\.js)/,
  /node_modules\/nodemailer\//,
  /node_modules\/@slack\//,
  /node_modules\/@hono\/node-server\//,
];

/**
 * Node built-ins a Worker must not import: nodejs_compat lets a bundle import them, and they fail (or do nothing
 * useful) at run time. Built-ins are left out of the bundle, so they are looked for among its imports.
 */
export const NODE_ONLY_BUILTINS = [
  'fs',
  'fs/promises',
  'child_process',
  'worker_threads',
  'os',
  'http',
  'https',
  'http2',
  'module',
  'vm',
  'sqlite',
  'v8',
  'inspector',
];

/** wrangler without an account or the network: no metrics, no `request.cf` download, no update check. */
export const offlineWrangler = (home: string): NodeJS.ProcessEnv => ({
  ...process.env,
  WRANGLER_SEND_METRICS: 'false',
  WRANGLER_SEND_ERROR_REPORTS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  WRANGLER_HIDE_BANNER: 'true',
  WRANGLER_LOG_PATH: join(home, 'logs'),
  XDG_CONFIG_HOME: join(home, 'config'),
  TMPDIR: home,
  CLOUDFLARE_API_TOKEN: '',
  CLOUDFLARE_ACCOUNT_ID: '',
  CF_API_TOKEN: '',
  WRANGLER_CACHE_DIR: join(home, 'cache'),
  CI: '1',
});

export interface WorkerBundle {
  bytes: number;
  gzipBytes: number;
  /** Source files bundled (esbuild's metafile inputs). */
  inputs: string[];
  /** Inputs matching NODE_ONLY, and Node built-ins of NODE_ONLY_BUILTINS the bundle imports. */
  nodeOnly: string[];
}

/** Bundles web/worker.ts as `wrangler deploy` would (`--dry-run`, offline) and weighs it. */
export async function bundleWorker(): Promise<WorkerBundle> {
  const out = await mkdtemp(join(tmpdir(), 'kabinet-worker-'));
  try {
    await new Promise<void>((resolve, reject) =>
      execFile(
        join('node_modules', '.bin', 'wrangler'),
        [
          'deploy',
          '--dry-run',
          '--minify',
          '--outdir',
          join(out, 'dist'),
          '--metafile',
          join(out, 'meta.json'),
        ],
        { env: offlineWrangler(out), maxBuffer: 16 * 1024 * 1024 },
        (error, stdout, stderr) =>
          error ? reject(new Error(`${error.message}\n${stdout}\n${stderr}`)) : resolve(),
      ),
    );
    const files = (await readdir(join(out, 'dist'))).filter((f) => f.endsWith('.js'));
    const code = Buffer.concat(await Promise.all(files.map((f) => readFile(join(out, 'dist', f)))));
    const meta = JSON.parse(await readFile(join(out, 'meta.json'), 'utf8')) as {
      inputs: Record<string, unknown>;
      outputs: Record<string, { imports?: { path: string; external?: boolean }[] }>;
    };
    const inputs = Object.keys(meta.inputs);
    const builtins = Object.values(meta.outputs)
      .flatMap((output) => output.imports ?? [])
      .filter((i) => i.external && NODE_ONLY_BUILTINS.includes(i.path.replace(/^node:/, '')))
      .map((i) => i.path);
    return {
      bytes: code.length,
      gzipBytes: gzipSync(code).length,
      inputs,
      nodeOnly: [
        ...inputs.filter((input) => NODE_ONLY.some((pattern) => pattern.test(input))),
        ...new Set(builtins),
      ],
    };
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

// `npm run deploy:check`: the bundle's size, and a failure if it is over the limit or holds a Node-only module.
if (import.meta.url === `file://${process.argv[1]}`) {
  const bundle = await bundleWorker();
  const mib = (n: number) => `${(n / 1024 / 1024).toFixed(2)} MiB`;
  console.log(
    `Worker bundle: ${mib(bundle.bytes)}, ${mib(bundle.gzipBytes)} gzip (limit ${mib(WORKER_LIMIT_GZIP)})`,
  );
  if (bundle.nodeOnly.length > 0)
    console.log(`Node-only modules in the bundle:\n  ${bundle.nodeOnly.join('\n  ')}`);
  if (bundle.nodeOnly.length > 0 || bundle.gzipBytes > WORKER_LIMIT_GZIP) process.exit(1);
}
