import { z } from 'zod';
import { insurerIds, resetModes } from '../core/presets';

/** Unset and empty mean the same: an operator's `FOO=` in a .env file does not turn a default off. */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

const urlWith = (protocols: string[], example: string) =>
  z
    .url({ message: `expected a URL like ${example}` })
    .refine((value) => protocols.some((p) => value.startsWith(p)), {
      message: `expected a URL starting with ${protocols.join(' or ')}, like ${example}`,
    });

/** Every environment variable Kabinet reads (DESIGN.md, "External contract"); parsed once at start. */
const schema = z.object({
  PORT: z.coerce
    .number({ message: 'expected a port number' })
    .int()
    .min(1, 'expected a port from 1 to 65535')
    .max(65535, 'expected a port from 1 to 65535')
    .default(3000),
  /**
   * The interface to listen on. By default loopback only while mail or SMS go to the development outbox (codes are
   * readable at /dev/outbox: never to be exposed), every interface otherwise.
   */
  HOST: optional(z.string().min(1)),
  PUBLIC_URL: optional(urlWith(['http://', 'https://'], 'https://kabinet.example.com')),
  INSURER: z.enum(insurerIds, { message: `expected one of: ${insurerIds.join(', ')}` }).default('soglasie'),
  RESET_MODE: optional(z.enum(resetModes, { message: `expected one of: ${resetModes.join(', ')}` })),
  /** A Worker forwards what only Node serves (pictures, webhooks, staff pages) to this Node deployment. */
  KABINET_NODE_URL: optional(urlWith(['http://', 'https://'], 'https://node.kabinet.example.com')),
  /** Sites that may show the web chat in a frame (the widget): origins, comma-separated. Unset: none. */
  WEB_CHAT_EMBED_ORIGINS: z.preprocess(
    (value) =>
      typeof value === 'string'
        ? value
            .split(',')
            .map((o) => o.trim())
            .filter(Boolean)
        : [],
    z.array(
      z
        .string()
        .refine(isOrigin, {
          message:
            'expected origins like https://www.insurer.ru,https://insurer.kz (https, host and port only; http only for localhost)',
        })
        .transform((origin) => new URL(origin).origin),
    ),
  ),
  DATA_DIR: z.string().min(1).default('./.data'),
  DATABASE_URL: optional(urlWith(['postgres://', 'postgresql://'], 'postgres://user@127.0.0.1:5432/kabinet')),
  REDIS_URL: optional(urlWith(['redis://', 'rediss://'], 'redis://127.0.0.1:6379')),
  TELEGRAM_BOT_TOKEN: optional(
    z.string().regex(/^\d+:[\w-]{20,}$/, 'expected a token like 123456:ABC-DEF… from @BotFather'),
  ),
  TELEGRAM_WEBHOOK_SECRET: optional(
    z
      .string()
      // Telegram allows 1–256 characters; a short one could be guessed, and it guards every customer's chat.
      .regex(/^[\w-]{24,256}$/, 'expected 24–256 letters, digits, _ or - (openssl rand -hex 16)'),
  ),
  /** Days a decided identity case keeps its pictures before they are deleted (core/retention.ts). */
  IDENTITY_IMAGE_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /**
   * Typed on the funnel page (/staff/funnel) by operators, who get an hour's signed link for it; unset: only Slack
   * reviewers open it, with links from the app's Home tab.
   */
  OPERATOR_TOKEN: optional(
    z.string().regex(/^[\w.~+/=-]{24,256}$/, 'expected 24–256 characters of a token (openssl rand -hex 16)'),
  ),
  /** Bearer token for GET /metrics (Prometheus); unset: /metrics is off. */
  METRICS_TOKEN: optional(
    z.string().regex(/^[\w.~+/=-]{24,256}$/, 'expected 24–256 characters of a token (openssl rand -hex 16)'),
  ),
  TELEGRAM_API_ROOT: urlWith(['http://', 'https://'], 'https://api.telegram.org').default(
    'https://api.telegram.org',
  ),
  SMTP_URL: optional(urlWith(['smtp://', 'smtps://'], 'smtp://user:pass@mail.example.com:587')),
  MAIL_FROM: optional(z.string().min(3)),
  SMS_GATEWAY_URL: optional(urlWith(['http://', 'https://'], 'https://sms.example.com/send')),
  SLACK_BOT_TOKEN: optional(z.string().startsWith('xoxb-', 'expected a bot token starting with xoxb-')),
  SLACK_SIGNING_SECRET: optional(z.string().min(8)),
  SLACK_REVIEW_CHANNEL: optional(z.string().min(1)),
  SLACK_REVIEWERS: optional(
    z.string().regex(/^[A-Z0-9]+(,[A-Z0-9]+)*$/, 'expected Slack user ids like U012AB3CD,U045EF6GH'),
  ),
  SLACK_API_URL: urlWith(['http://', 'https://'], 'https://slack.com/api/').default('https://slack.com/api/'),
  /** 1: the three previews are uploaded into each case's Slack thread; 0 (default): they stay in our storage. */
  SLACK_UPLOAD_PREVIEWS: z.enum(['0', '1']).default('0'),
  DATA_KEY: optional(
    z
      .string()
      .refine(
        (value) => base64urlBytes(value) === 32,
        'expected 32 random bytes in base64 (openssl rand -base64 32)',
      ),
  ),
  /**
   * How many proxies in front append to X-Forwarded-For (a load balancer: 1; a CDN and a load balancer: 2). The
   * client is the address the outermost one saw. 0: the socket's peer — behind a proxy that is the proxy, and
   * every customer would share one client's budgets.
   */
  TRUST_PROXY: z.coerce.number().int().min(0).max(5).default(0),
  /** Allows the development outbox beside a server database (a staging box without mail); never in production. */
  DEV_OUTBOX: z.enum(['0', '1']).default('0'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  /** `json` (one line per event, for a collector) or `pretty` (for a person); unset: pretty on a terminal. */
  LOG_FORMAT: optional(z.enum(['json', 'pretty'])),
});

export type Env = z.infer<typeof schema>;

export interface Config extends Omit<Env, 'PUBLIC_URL'> {
  PUBLIC_URL: string;
}

/** Raised at start-up; its message names every bad variable, so the operator fixes them in one go. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Slack review needs all four: a bot token alone would post cases nobody may decide. */
const slackTogether = [
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_REVIEW_CHANNEL',
  'SLACK_REVIEWERS',
] as const;

export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = schema
    .superRefine((config, context) => {
      // What a Worker forwards (passwords on activation pages, cookies) crosses the internet to Node: encrypted.
      const node = config.KABINET_NODE_URL ? new URL(config.KABINET_NODE_URL) : null;
      if (node && node.protocol !== 'https:' && !isLoopback(node.hostname))
        context.addIssue({
          code: 'custom',
          path: ['KABINET_NODE_URL'],
          message: 'expected https (plain http only for this machine)',
        });
      // A framed chat's cookie is Secure: over plain http (but on this machine) no browser would keep it, and every
      // message would start a new chat.
      const served = new URL(config.PUBLIC_URL ?? 'http://localhost');
      if (
        config.WEB_CHAT_EMBED_ORIGINS.length > 0 &&
        served.protocol !== 'https:' &&
        !isLoopback(served.hostname)
      )
        context.addIssue({
          code: 'custom',
          path: ['WEB_CHAT_EMBED_ORIGINS'],
          message: 'needs PUBLIC_URL on https (a framed chat keeps its cookie only over HTTPS)',
        });
      const set = slackTogether.filter((name) => config[name] !== undefined);
      if (set.length === 0 || set.length === slackTogether.length) return;
      for (const name of slackTogether.filter((n) => config[n] === undefined))
        context.addIssue({
          code: 'custom',
          path: [name],
          message: `needed with ${set.join(', ')} (Slack review takes all four)`,
        });
    })
    .safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '?');
      const value = env[name];
      const got = value === undefined ? 'unset' : `"${isSecret(name) ? '…' : hideCredentials(value)}"`;
      return `  ${name}: ${issue.message} (got ${got})`;
    });
    throw new ConfigError(
      `Invalid configuration:\n${lines.join('\n')}\nSee .env.example for every variable.`,
    );
  }
  const config = parsed.data;
  return {
    ...config,
    PUBLIC_URL: (config.PUBLIC_URL ?? `http://localhost:${config.PORT}`).replace(/\/$/, ''),
  };
}

/**
 * `https://host[:port]` and nothing more: what a browser compares `frame-ancestors` with. The host is plain
 * letters, digits, dots and hyphens (punycode for others): a URL parser lets `;`, `*` and quotes through, which
 * would end the directive or allow every site. Plain http only for this machine (a page an attacker on the way
 * can rewrite must not frame the chat).
 */
function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    const loopback = isLoopback(url.hostname);
    return (
      (url.protocol === 'https:' || (url.protocol === 'http:' && loopback)) &&
      (/^(?:[a-z0-9-]+\.)*[a-z0-9-]+$/.test(url.hostname) || url.hostname === '[::1]') &&
      url.origin === value.replace(/\/$/, '').toLowerCase()
    );
  } catch {
    return false;
  }
}

const isLoopback = (hostname: string) =>
  hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);

const isSecret = (name: string) => /TOKEN|SECRET|KEY|PASS/.test(name);
const hideCredentials = (value: string) => value.replace(/\/\/[^/@]*@/, '//…@');

function base64urlBytes(value: string): number {
  try {
    return atob(value.replace(/-/g, '+').replace(/_/g, '/')).length;
  } catch {
    return -1;
  }
}
