// Runs in a worker thread (piscina): bcrypt is CPU-bound for ~70 ms at cost 10, and would stall every other
// chat if it ran on the event loop.
import { setPriority } from 'node:os';
import bcrypt from 'bcryptjs';

// On Linux, setpriority(PRIO_PROCESS, 0) applies to the calling thread only: hashing yields the CPU to the
// event loop's thread when both want it (BENCHMARKS.md, "Hashing off the event loop"). Elsewhere it may lower
// the whole process or be refused; either way hashing still works.
try {
  if (process.platform === 'linux') setPriority(10);
} catch {}

export default function passwordTask({ op, password, hash, cost }) {
  return op === 'hash' ? bcrypt.hash(password, cost) : bcrypt.compare(password, hash);
}
