import postgres from 'postgres';

/**
 * Real Postgres and Redis for the contract suites. CI sets DATABASE_URL, REDIS_URL and REQUIRE_SERVICES=1:
 * then a missing URL fails the run instead of skipping. A plain `npm test` without them runs the embedded twins
 * and reports the real-service suites as skipped, by name.
 */
export const servicesRequired = process.env.REQUIRE_SERVICES === '1';

export function serviceUrl(name: 'DATABASE_URL' | 'REDIS_URL'): string | undefined {
  const url = process.env[name] || undefined;
  if (!url && servicesRequired) {
    throw new Error(`${name} must be set: REQUIRE_SERVICES=1 says the real service is required for this run`);
  }
  return url;
}

/** A database of its own for one test file on the Postgres at `baseUrl`; `drop()` removes it. */
export async function createTestDatabase(baseUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
  const name = `kabinet_test_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  await admin.unsafe(`create database ${name}`);
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

export const uniquePrefix = (label: string) =>
  `kabinet-test:${label}:${Math.random().toString(36).slice(2, 10)}:`;
