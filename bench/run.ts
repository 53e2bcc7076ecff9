import { readFile, writeFile } from 'node:fs/promises';
import { chatBundle } from './chat-bundle';
import { engineCost } from './engine-cost';
import { enumeration } from './enumeration';
import { hashing } from './hashing';
import { policyImport } from './policy-import';
import { startup } from './startup';
import { machine, type Section } from './support';
import { uploads } from './uploads';
import { webhookThroughput } from './webhook-throughput';

/**
 * `npm run bench`: every benchmark in turn (a few minutes, loopback only), printed and written to BENCHMARKS.md,
 * newest run first; earlier runs stay below as history. Needs Postgres and Redis on loopback (DATABASE_URL,
 * REDIS_URL, or the defaults 127.0.0.1:5432 and :6379) for the webhook benchmark.
 */
const benchmarks: [string, () => Promise<Section>][] = [
  ['engine', engineCost],
  ['webhook', webhookThroughput],
  ['hashing', hashing],
  ['enumeration', enumeration],
  ['import', policyImport],
  ['uploads', uploads],
  ['startup', startup],
  ['bundle', chatBundle],
];

const only = process.argv.slice(2);
const sections: Section[] = [];
for (const [name, run] of benchmarks) {
  if (only.length && !only.includes(name)) continue;
  process.stdout.write(`running ${name}…\n`);
  const section = await run();
  process.stdout.write(`\n## ${section.title}\n\n${section.body}\n\n`);
  sections.push(section);
}

const LATEST = '\n## Latest run: ';
const HISTORY = '\n## History\n';
const previous = await readFile('BENCHMARKS.md', 'utf8').catch(() => '');
// The previous latest run moves down into the history, its headings one level deeper.
const at = previous.indexOf(LATEST);
const end = previous.indexOf(HISTORY);
const previousLatest =
  at >= 0
    ? `### ${previous
        .slice(at + LATEST.length, end >= 0 ? end : undefined)
        .trim()
        .replace(/^### /gm, '#### ')}\n\n`
    : '';
const olderRuns = end >= 0 ? previous.slice(end + HISTORY.length).trim() : '';
// "## Findings" is written by people (what limits a missed goal, what was tried); every run keeps it.
const FINDINGS = '\n## Findings';
const findingsAt = previous.indexOf(FINDINGS);
const findings = findingsAt >= 0 && at > findingsAt ? `${previous.slice(findingsAt, at).trim()}\n` : '';

await writeFile(
  'BENCHMARKS.md',
  `# Benchmarks

Measured by \`npm run bench\` (bench/) on this project's machines: 2 shared cores, so absolute times drift
between runs; each figure that carries a goal is a ratio against a baseline measured in the same run.
Load goes to loopback only, and every benchmark stops by itself.
${findings ? `\n${findings}` : ''}${LATEST}${machine()}

${sections.map((s) => `### ${s.title}\n\n${s.body}`).join('\n\n')}
${HISTORY}
${previousLatest}${olderRuns}
`,
);
