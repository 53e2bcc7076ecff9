import { Bot } from 'grammy';
import { ConfigError, loadConfig } from './config';

/**
 * `npm run telegram:set-webhook`: points Telegram at this deployment's /telegram/webhook with the secret it
 * must send back. Needs TELEGRAM_BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET and an https PUBLIC_URL (Telegram's rule).
 */
async function main() {
  const config = loadConfig(process.env);
  const missing = [
    !config.TELEGRAM_BOT_TOKEN && 'TELEGRAM_BOT_TOKEN: required',
    !config.TELEGRAM_WEBHOOK_SECRET && 'TELEGRAM_WEBHOOK_SECRET: required',
    !config.PUBLIC_URL.startsWith('https://') &&
      `PUBLIC_URL: Telegram delivers only to https (got ${config.PUBLIC_URL})`,
  ].filter(Boolean);
  if (missing.length) throw new ConfigError(`Cannot set the webhook:\n  ${missing.join('\n  ')}`);
  const bot = new Bot(config.TELEGRAM_BOT_TOKEN ?? '', { client: { apiRoot: config.TELEGRAM_API_ROOT } });
  const url = `${config.PUBLIC_URL}/telegram/webhook`;
  await bot.api.setWebhook(url, {
    secret_token: config.TELEGRAM_WEBHOOK_SECRET,
    allowed_updates: ['message', 'callback_query'],
  });
  const info = await bot.api.getWebhookInfo();
  process.stdout.write(`Telegram webhook set: ${info.url} (pending updates: ${info.pending_update_count})\n`);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
