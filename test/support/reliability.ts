import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What one reliability test held and survived, in numbers. Each test writes its own record under
 * `.data/reliability/` (or RELIABILITY_DIR); `npm run reliability` turns them into RELIABILITY.md, so the document
 * says what the last run measured and nothing typed by hand.
 */
export interface ReliabilityRecord {
  /** The group in RELIABILITY.md: 'fuzzing', 'brute force', 'enumeration', 'outages', … */
  area: string;
  /** What the test does, as its name says. */
  test: string;
  /** The load it held, e.g. "100 000 inputs over 2 channels" or "40 customers, 2 instances". */
  load: string;
  /** The faults it survived (empty: none injected). */
  faults: string[];
  /** How many inputs (messages, requests, guesses) were tried. */
  inputs: number;
  /** What was lost or went wrong (the goal: 0), with what counts as lost. */
  lost: { count: number; counted: string };
  /** Further measured figures, shown as they are. */
  figures?: Record<string, string | number>;
}

const directory = () =>
  process.env.RELIABILITY_DIR ?? join(import.meta.dirname, '..', '..', '.data', 'reliability');

/** Records a test's figures; called once the test's own assertions have passed. */
export function recordReliability(record: ReliabilityRecord): void {
  const dir = directory();
  mkdirSync(dir, { recursive: true });
  const slug = `${record.area}--${record.test}`
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 120);
  writeFileSync(
    join(dir, `${slug}.json`),
    `${JSON.stringify({ ...record, at: new Date().toISOString() }, null, 2)}\n`,
  );
}
