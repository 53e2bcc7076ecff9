// Runs in a worker thread (piscina): bcrypt is CPU-bound for ~70 ms at cost 10, and would stall every other
// chat if it ran on the event loop.
import bcrypt from 'bcryptjs';

export default function passwordTask({ op, password, hash, cost }) {
  return op === 'hash' ? bcrypt.hash(password, cost) : bcrypt.compare(password, hash);
}
