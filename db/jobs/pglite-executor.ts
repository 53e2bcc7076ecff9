import type { PGlite } from '@electric-sql/pglite';
import type PgBoss from 'pg-boss';

/**
 * pg-boss on PGlite (the approach of pg-boss issue #563): statements with parameters go through `query`;
 * pg-boss's parameterless scripts (migrations, maintenance in BEGIN…COMMIT) hold several statements, which only
 * `exec` runs, and pg-boss reads the rows of the last one.
 */
export function pgliteExecutor(client: PGlite): PgBoss.Db {
  return {
    async executeSql(text, values) {
      if (values && values.length > 0) {
        const result = await client.query(text, values);
        return { rows: result.rows as unknown[] };
      }
      const results = await client.exec(text);
      return { rows: (results.at(-1)?.rows ?? []) as unknown[] };
    },
  };
}
