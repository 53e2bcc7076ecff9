import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SlackCall {
  method: string;
  // biome-ignore lint/suspicious/noExplicitAny: Web API arguments of every method
  payload: Record<string, any>;
  token: string | null;
  /** When the call arrived (epoch ms). */
  at: number;
  /** chat.postMessage: the ts the message was given (what chat.update names it by). */
  ts?: string;
}

/** Bytes that arrived at an upload URL handed out by files.getUploadURLExternal. */
export interface SlackUpload {
  id: string;
  bytes: number;
}

/**
 * Arguments @slack/web-api JSON-encodes inside its form body (it stringifies every non-scalar argument);
 * decoded here so tests can look at blocks and views as objects. `files` is completeUploadExternal's list.
 */
const JSON_ARGUMENTS = ['blocks', 'view', 'attachments', 'files', 'metadata'];

/**
 * A Slack Web API on loopback, enough for @slack/web-api and Bolt (`slackApiUrl: apiUrl`): records every
 * call (failed ones too), answers like Slack, fails chosen methods on demand, and takes files.uploadV2's
 * upload step.
 */
export async function startFakeSlack(options: { token?: string } = {}) {
  const calls: SlackCall[] = [];
  const uploads: SlackUpload[] = [];
  /** Errors the next calls of a method answer with, and how many calls are left to fail. */
  const failing = new Map<string, { error: string; times: number }>();
  // Message timestamps: unique and increasing, so tests can tell replies and edits apart.
  let clock = 1_700_000_000;
  const nextTs = () => `${++clock}.000100`;
  let views = 0;
  let files = 0;

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    const handle = async () => {
      const reply = (json: unknown) =>
        response
          .writeHead(200, { 'content-type': 'application/json; charset=utf-8' })
          .end(JSON.stringify(json));
      const body = Buffer.concat(chunks);
      const url = new URL(request.url ?? '/', origin);

      const upload = /^\/upload\/([^/]+)$/.exec(url.pathname);
      if (upload) {
        const bytes = await uploadedBytes(request, body);
        uploads.push({ id: upload[1] ?? '', bytes });
        response.writeHead(200, { 'content-type': 'text/plain' }).end(`OK - ${bytes}`);
        return;
      }
      const match = /^\/api\/([\w.]+)$/.exec(url.pathname);
      if (!match) return response.writeHead(404).end();
      const method = match[1] ?? '';

      const payload = { ...Object.fromEntries(url.searchParams), ...(await decode(request, body)) };
      for (const key of JSON_ARGUMENTS) {
        if (typeof payload[key] === 'string') payload[key] = JSON.parse(payload[key]);
      }
      // Slack takes the token from the header or from a `token` argument; it is credentials, not an argument.
      const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
      const token = bearer ?? (typeof payload.token === 'string' ? payload.token : null);
      delete payload.token;
      const call: SlackCall = { method, payload, token, at: Date.now() };
      calls.push(call);

      if (options.token !== undefined && token !== options.token)
        return reply({ ok: false, error: token === null ? 'not_authed' : 'invalid_auth' });
      const failure = failing.get(method);
      if (failure) {
        if (--failure.times <= 0) failing.delete(method);
        // Slack reports method errors with HTTP 200 and ok:false; web-api turns that into a platform error.
        return reply({ ok: false, error: failure.error });
      }

      switch (method) {
        case 'auth.test':
          return reply({
            ok: true,
            url: 'https://kabinet-test.slack.com/',
            team: 'Kabinet',
            user: 'kabinet',
            team_id: 'T1',
            user_id: 'UBOT',
            bot_id: 'BBOT',
          });
        case 'chat.postMessage': {
          const ts = nextTs();
          call.ts = ts;
          return reply({
            ok: true,
            channel: payload.channel,
            ts,
            message: {
              type: 'message',
              user: 'UBOT',
              bot_id: 'BBOT',
              text: payload.text ?? '',
              blocks: payload.blocks,
              thread_ts: payload.thread_ts,
              ts,
            },
          });
        }
        case 'chat.update':
          return reply({ ok: true, channel: payload.channel, ts: payload.ts, text: payload.text ?? '' });
        case 'chat.postEphemeral':
          return reply({ ok: true, message_ts: nextTs() });
        case 'views.open':
        case 'views.push':
        case 'views.publish':
        case 'views.update':
          return reply({
            ok: true,
            view: {
              id: payload.view_id ?? `V${String(++views).padStart(4, '0')}`,
              team_id: 'T1',
              hash: `hash-${views}`,
              ...payload.view,
            },
          });
        case 'files.getUploadURLExternal': {
          const id = `F${String(++files).padStart(4, '0')}`;
          return reply({ ok: true, upload_url: `${origin}/upload/${id}`, file_id: id });
        }
        case 'files.completeUploadExternal':
          return reply({
            ok: true,
            files: (Array.isArray(payload.files) ? payload.files : []).map(
              (file: { id: string; title?: string }) => ({ id: file.id, title: file.title ?? '' }),
            ),
          });
        case 'conversations.info':
          return reply({ ok: true, channel: { id: payload.channel, name: 'review' } });
        default:
          return reply({ ok: true });
      }
    };
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    // A bad body answers 500 instead of crashing the test run with an unhandled rejection.
    request.on('end', () => handle().catch((error) => response.writeHead(500).end(String(error))));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    apiUrl: `${origin}/api/`,
    calls,
    uploads,
    callsOf: (method: string) => calls.filter((call) => call.method === method),
    /** The next `times` calls of `method` answer `{ok: false, error}`, as Slack does (HTTP 200). */
    failNext: (method: string, error: string, times = 1) => {
      failing.set(method, { error, times });
    },
    /** Resolves once `predicate` holds: Bolt handlers call Slack after the HTTP ack, so tests must wait. */
    waitFor: async (predicate: () => boolean, ms = 2000) => {
      const deadline = Date.now() + ms;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`fake Slack: condition not met within ${ms} ms`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        // fetch keeps connections alive; without this close() waits for them to time out.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * web-api sends form-urlencoded bodies, or multipart when an argument is a Buffer; JSON is accepted too for
 * clients that post it. Files in a multipart body become `{ name, bytes }`.
 */
// biome-ignore lint/suspicious/noExplicitAny: Web API arguments of every method
async function decode(request: IncomingMessage, body: Buffer): Promise<Record<string, any>> {
  const type = request.headers['content-type'] ?? '';
  if (body.length === 0) return {};
  if (type.startsWith('application/json')) return JSON.parse(body.toString('utf8'));
  if (type.startsWith('multipart/form-data')) {
    const form = await new Response(body, { headers: { 'content-type': type } }).formData();
    return Object.fromEntries(
      [...form].map(([key, value]) => [
        key,
        typeof value === 'string' ? value : { name: value.name, bytes: value.size },
      ]),
    );
  }
  return Object.fromEntries(new URLSearchParams(body.toString('utf8')));
}

/** web-api posts the file as a multipart part (field `body`); count the file's bytes, not the envelope's. */
async function uploadedBytes(request: IncomingMessage, body: Buffer): Promise<number> {
  const type = request.headers['content-type'] ?? '';
  if (!type.startsWith('multipart/form-data')) return body.length;
  const form = await new Response(body, { headers: { 'content-type': type } }).formData();
  let bytes = 0;
  for (const [, value] of form) bytes += typeof value === 'string' ? Buffer.byteLength(value) : value.size;
  return bytes;
}
