import { EXIT, runDataRequest } from './data-requests';

/**
 * `npm run customer:requests` (open requests made in the chat), `npm run customer:export -- <contact> [--out file.zip]`, `npm run customer:erase -- <contact> [--dry-run]`:
 * a customer's data request (web/data-requests.ts). Exit 0 done, 1 not found or bad input, 2 failure.
 */
const [command, ...args] = process.argv.slice(2);
if (command !== 'export' && command !== 'erase' && command !== 'requests') {
  process.stderr.write('Usage: tsx web/customer-request.ts export|erase <contact> | requests\n');
  process.exit(EXIT.refused);
}
runDataRequest(command, args, {
  env: process.env,
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
}).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(EXIT.failed);
  },
);
