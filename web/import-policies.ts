import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { rowProblemText } from '../core/policy-rows';
import { presets } from '../core/presets';
import { openDatabase } from '../db/database';
import { createFieldCipher } from '../db/field-cipher';
import { importPolicies } from '../db/policy-import';
import { ConfigError, loadConfig } from './config';
import { resolveDataKey } from './data-key';

/**
 * `npm run import:policies -- file.csv`: the insurer's policies into the records (the same database and DATA_KEY
 * as the service). Progress on stderr; at the end a summary and every refused row with its line and reason.
 */
async function main() {
  const file = process.argv[2];
  if (!file) throw new ConfigError('Usage: npm run import:policies -- file.csv');
  await access(file).catch(() => {
    throw new ConfigError(`Cannot read ${file}`);
  });
  const config = loadConfig(process.env);
  const database = await openDatabase({ url: config.DATABASE_URL, dataDir: join(config.DATA_DIR, 'pglite') });
  const started = performance.now();
  try {
    const report = await importPolicies(createReadStream(file), {
      db: database.db,
      cipher: createFieldCipher(await resolveDataKey(config)),
      preset: presets[config.INSURER],
      source: file,
      onProgress: (rows) => {
        const seconds = (performance.now() - started) / 1000;
        process.stderr.write(`\r${rows} rows, ${Math.round(rows / seconds)} rows/s`);
      },
    });
    const seconds = (performance.now() - started) / 1000;
    process.stderr.write('\n');
    for (const { line, problem } of report.refused)
      process.stdout.write(`line ${line}: refused, ${rowProblemText[problem]}\n`);
    process.stdout.write(
      `${report.rows} rows in ${seconds.toFixed(1)} s: ${report.imported} policies written, ` +
        `${report.accountsCreated} accounts created, ${report.refused.length} rows refused\n`,
    );
  } finally {
    await database.close();
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
