import { Hono } from 'hono';

/** A dependency the service needs to answer customers; `ping` rejects when it is unreachable. */
export interface Dependency {
  name: string;
  ping(): Promise<void>;
}

const PING_TIMEOUT_MS = 2000;

/** /healthz: the process is up. /readyz: every dependency answered within the timeout (else 503). */
export function createHealthRoutes(dependencies: Dependency[]) {
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const results = await Promise.all(
      dependencies.map(
        async ({ name, ping }) => [name, (await withTimeout(ping())) ? 'ok' : 'unreachable'] as const,
      ),
    );
    const ready = results.every(([, state]) => state === 'ok');
    return c.json(
      { status: ready ? 'ready' : 'not ready', ...Object.fromEntries(results) },
      ready ? 200 : 503,
    );
  });
  return app;
}

async function withTimeout(check: Promise<void>): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS);
  });
  try {
    return await Promise.race([check.then(() => true as const), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
