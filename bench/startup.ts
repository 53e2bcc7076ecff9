import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../test/support/service-process';
import { fmt, median, type Section, sleep, verdict } from './support';

const ROUNDS = 3;

/** Milliseconds from spawning `entry` to the first answer of `probe` (polled every 20 ms). */
async function timeToFirstReply(
  entry: string,
  env: Record<string, string>,
  probe: (url: string) => Promise<boolean>,
) {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    env: { PATH: process.env.PATH ?? '', PORT: String(port), ...env },
    stdio: 'ignore',
  });
  try {
    for (;;) {
      if (await probe(`http://127.0.0.1:${port}`).catch(() => false)) return performance.now() - started;
      if (performance.now() - started > 30_000) throw new Error(`${entry} gave no reply in 30 s`);
      await sleep(20);
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.on('exit', resolve));
  }
}

const chatReply = async (url: string) => {
  const response = await fetch(`${url}/chat/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id: 'first', body: { type: 'open' } }),
  });
  return response.ok && (await response.text()).includes('choices');
};

/** `npm start` (web/node.ts through tsx) on embedded defaults, against a bare Hono app started the same way. */
export async function startup(): Promise<Section> {
  const work = await mkdtemp(join(tmpdir(), 'kabinet-bench-start-'));
  const bare = join(work, 'bare.ts');
  await writeFile(
    bare,
    `import { serve } from '@hono/node-server';\nimport { Hono } from 'hono';\nconst app = new Hono();\napp.post('/chat/messages', (c) => c.json({ messages: [{ type: 'choices' }] }));\nserve({ fetch: app.fetch, port: Number(process.env.PORT) });\n`,
  );
  const nodePath = join(process.cwd(), 'node_modules');
  try {
    const fresh: number[] = [];
    const warm: number[] = [];
    const baseline: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const dataDir = join(work, `data-${r}`);
      fresh.push(await timeToFirstReply('web/node.ts', { DATA_DIR: dataDir }, chatReply));
      warm.push(await timeToFirstReply('web/node.ts', { DATA_DIR: dataDir }, chatReply));
      baseline.push(await timeToFirstReply(bare, { NODE_PATH: nodePath }, chatReply));
    }
    const [f, w, b] = [median(fresh), median(warm), median(baseline)];
    return {
      title: 'Start-up to the first web-chat reply',
      body: `From spawning \`web/node.ts\` (what \`npm start\` runs, through tsx) to the first answer of
\`POST /chat/messages\` carrying the menu, on embedded defaults; a bare Hono app started the same way is the
baseline. Median of ${ROUNDS}; "fresh" is a new DATA_DIR (PGlite creates its database in the background),
"warm" the same DATA_DIR again.

| start | ms | ÷ bare Hono |
|---|---:|---:|
| fresh DATA_DIR | ${fmt(f)} | ${fmt(f / b)}× |
| existing DATA_DIR | ${fmt(w)} | ${fmt(w / b)}× |
| bare Hono + tsx | ${fmt(b)} | 1× |

- ${verdict(f <= 5000, `fresh start ${fmt(f / 1000)} s, goal ≤ 5 s`)}`,
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
