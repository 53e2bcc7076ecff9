import { serve } from '@hono/node-server';
import { describeError } from '../core/logger';
import { ConfigError, loadConfig } from './config';
import { createKabinet } from './kabinet';
import { createPinoLogger } from './pino-logger';

/** `npm start`: Kabinet on Node. Embedded defaults when DATABASE_URL / REDIS_URL are unset. */
async function main() {
  const config = loadConfig(process.env);
  const logger = createPinoLogger({
    level: config.LOG_LEVEL,
    pretty: config.LOG_FORMAT ? config.LOG_FORMAT === 'pretty' : Boolean(process.stdout.isTTY),
  });
  const kabinet = await createKabinet(config, { logger });
  // A library promise nobody awaits must not end the process: pg-boss 10.4.2 completes or fails a finished job
  // without awaiting it (manager.js), so Postgres going away at that moment rejected into nowhere and Node 20
  // exited. The job is not lost: it stays active and runs again after its expiry; replies are not repeated.
  process.on('unhandledRejection', (reason) =>
    // describeError: a failed query's message ends with its parameters (personal data); it cuts them.
    logger.error('unhandled rejection', { error: describeError(reason) }),
  );
  kabinet.ready.then(
    () => logger.info('records are open', { records: kabinet.backends.records }),
    (error) => {
      process.stderr.write(`Kabinet cannot open its records (${kabinet.backends.records}): ${error}\n`);
      process.exit(1);
    },
  );
  kabinet.startBackground();
  const outbox = kabinet.backends.mail === 'outbox' || kabinet.backends.sms === 'outbox';
  const hostname = config.HOST ?? (outbox ? '127.0.0.1' : '0.0.0.0');
  const server = serve({ fetch: kabinet.app.fetch, port: config.PORT, hostname }, () => {
    logger.info('Kabinet is listening', {
      on: `${hostname}:${config.PORT}`,
      url: config.PUBLIC_URL,
      insurer: config.INSURER,
      records: kabinet.backends.records,
      state: kabinet.backends.state,
      mail: kabinet.backends.mail,
      sms: kabinet.backends.sms,
      telegram: kabinet.backends.telegram,
      webChat: `${config.PUBLIC_URL}/`,
    });
  });

  server.on('error', (error: NodeJS.ErrnoException) => {
    const why =
      error.code === 'EADDRINUSE'
        ? `port ${config.PORT} on ${hostname} is in use by another program: stop it or set PORT`
        : `cannot listen on ${hostname}:${config.PORT} (${error.code ?? error.message})`;
    process.stderr.write(`Kabinet cannot start: ${why}\n`);
    process.exit(1);
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping', { signal });
    kabinet.drain(); // pages waiting for updates ask again, of an instance that is not stopping
    server.close(async () => {
      await kabinet.close();
      process.exit(0);
    });
    // Idle keep-alive connections would hold close() open; busy ones get 5 s to finish their request.
    if ('closeIdleConnections' in server) server.closeIdleConnections();
    setTimeout(() => {
      if ('closeAllConnections' in server) server.closeAllConnections();
    }, 5000).unref();
    // Last resort: something refused to close.
    setTimeout(() => process.exit(1), 15_000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(
      `Kabinet failed to start: ${error instanceof Error ? (error.stack ?? error.message) : error}\n`,
    );
  }
  process.exit(1);
});
