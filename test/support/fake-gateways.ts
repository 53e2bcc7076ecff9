import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { vi } from 'vitest';

export interface ReceivedMail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** A real SMTP server on loopback (smtp-server, with auth) that keeps what nodemailer delivers to it. */
export async function startSmtpServer() {
  const received: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: false,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    onAuth(auth, _session, callback) {
      if (auth.username === 'kabinet' && auth.password === 'mail-secret')
        return callback(null, { user: 'kabinet' });
      return callback(new Error('invalid credentials'));
    },
    onData(stream, _session, callback) {
      simpleParser(stream).then((mail) => {
        const to = Array.isArray(mail.to) ? mail.to[0]?.text : mail.to?.text;
        received.push({
          to: to ?? '',
          subject: mail.subject ?? '',
          text: mail.text ?? '',
          html: String(mail.html),
        });
        callback();
      }, callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://kabinet:mail-secret@127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface ReceivedSms {
  to: string;
  text: string;
}

/** A loopback HTTP server speaking the SMS gateway contract: POST JSON {"to","text"}; `failNext` answers 503. */
export async function startSmsGateway() {
  const received: ReceivedSms[] = [];
  let failures = 0;
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      if (failures > 0) {
        failures--;
        response.writeHead(503).end();
        return;
      }
      received.push(JSON.parse(body) as ReceivedSms);
      response.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"queued"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/send`,
    received,
    failNext: (count = 1) => {
      failures = count;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The 6-digit code in a message. */
export function codeIn(text: string): string {
  const code = /\b(\d{6})\b/.exec(text)?.[1];
  if (!code) throw new Error(`no code in: ${text}`);
  return code;
}

/** The codes a service on embedded defaults "sent": read from its development outbox. */
export function outboxOf(service: string | { app: { request(path: string): Response | Promise<Response> } }) {
  const outbox = '/dev/outbox?format=json';
  const sentTo = async (to: string) => {
    const response = await (typeof service === 'string'
      ? fetch(`${service}${outbox}`)
      : service.app.request(outbox));
    const { messages } = (await response.json()) as {
      messages: { to: string; text: string }[];
    };
    return messages.find((m) => m.to === to)?.text ?? '';
  };
  return {
    /** The code sent to `to`, once it is there: codes leave through the job queue just after the reply. */
    async code(to: string): Promise<string> {
      // vi.waitFor, not expect.poll: it works in a beforeAll too.
      return codeIn(
        await vi.waitFor(
          async () => {
            const text = await sentTo(to);
            if (!text) throw new Error(`nothing sent to ${to} yet`);
            return text;
          },
          { timeout: 10_000, interval: 50 },
        ),
      );
    },
  };
}
