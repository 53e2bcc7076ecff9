import { execSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { createMemoryTicketStore, createTicketLock } from '../db/state/ticket-lock';

/** Milliseconds, high resolution. */
export const now = () => performance.now();

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] as number;
}

export const median = (values: number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  );

/** A number for a table: 3 significant digits. */
export const fmt = (value: number) =>
  Number.isFinite(value) ? Number(value.toPrecision(3)).toString() : '—';

export function machine(): string {
  const commit = (() => {
    try {
      return execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  })();
  return `${new Date().toISOString().slice(0, 16)}Z, commit ${commit}, Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB`;
}

export interface Section {
  title: string;
  /** Markdown: method, table, verdicts. */
  body: string;
}

/** `✓` / `✗ (missed by …)` for a goal. */
export function verdict(met: boolean, detail: string): string {
  return met ? `✓ ${detail}` : `✗ ${detail}`;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The engine's turn lock and reply hand-over for one process, replies going nowhere: the engine's own cost. */
export const inProcess = () => ({
  lock: createTicketLock(createMemoryTicketStore()),
  replies: { announce: async () => true, confirm: async () => {}, handOver: async () => {} },
});
