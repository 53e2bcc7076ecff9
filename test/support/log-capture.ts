import pino from 'pino';
import { silentLogger } from '../../core/logger';
import { createPinoLogger } from '../../web/pino-logger';
import { scanFile } from './log-scan';

// The loggers tests pass as "silent" write, through the production logger, to this run's scanned logs: every line
// the product would log while tested is checked for personal data (test/support/log-scan.ts), not only the lines
// a test looks at.
const file = scanFile('in-process');
if (file) {
  const logged = createPinoLogger({
    level: 'info',
    destination: pino.destination({ dest: file, sync: true }),
  });
  Object.assign(silentLogger, logged);
}
