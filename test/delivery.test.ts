import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSmtpMailer } from '../bots/mail/smtp-mailer';
import { createOutbox } from '../bots/outbox/outbox';
import { createSmsGateway } from '../bots/sms/sms-gateway';
import { silentLogger } from '../core/logger';
import type { Mailer, SmsSender } from '../core/ports/delivery';
import { startSmsGateway, startSmtpServer } from './support/fake-gateways';

const mail = {
  to: 'anna@example.ru',
  subject: 'СК «Согласие»: код подтверждения',
  text: 'Ваш код подтверждения: 123456\nКод действует 10 мин.',
  html: '<p>Ваш код подтверждения: 123456</p>',
};

/** One behaviour for every Mailer: what was sent can be read back where it was delivered. */
function mailerContract(
  name: string,
  open: () => Promise<{ mailer: Mailer; delivered(): Promise<string[]>; close(): Promise<void> }>,
) {
  describe(`Mailer contract: ${name}`, () => {
    let harness: Awaited<ReturnType<typeof open>>;
    beforeAll(async () => {
      harness = await open();
    });
    afterAll(() => harness.close());

    it('delivers a Cyrillic message with its code intact', async () => {
      expect(await harness.mailer.send(mail)).toEqual({ ok: true, value: undefined });
      const [delivered] = await harness.delivered();
      expect(delivered).toContain('anna@example.ru');
      expect(delivered).toContain('СК «Согласие»: код подтверждения');
      expect(delivered).toContain('Ваш код подтверждения: 123456');
    });
  });
}

mailerContract('SMTP (nodemailer → smtp-server on loopback, with auth)', async () => {
  const server = await startSmtpServer();
  const mailer = createSmtpMailer({
    url: server.url,
    from: 'Kabinet <no-reply@kabinet.test>',
    logger: silentLogger,
  });
  return {
    mailer,
    delivered: async () => server.received.map((m) => `${m.to} ${m.subject} ${m.text}`),
    close: async () => {
      mailer.close();
      await server.close();
    },
  };
});

mailerContract('development outbox', async () => {
  const outbox = createOutbox({ print: () => {} });
  return {
    mailer: outbox.mailer,
    delivered: async () => outbox.list().map((m) => `${m.to} ${m.subject} ${m.text}`),
    close: async () => {},
  };
});

function smsContract(
  name: string,
  open: () => Promise<{ sms: SmsSender; delivered(): string[]; close(): Promise<void> }>,
) {
  describe(`SmsSender contract: ${name}`, () => {
    it('delivers the text to the E.164 number', async () => {
      const harness = await open();
      try {
        expect(await harness.sms.send({ to: '+79161234567', text: 'код 654321' })).toEqual({
          ok: true,
          value: undefined,
        });
        expect(harness.delivered()).toEqual(['+79161234567 код 654321']);
      } finally {
        await harness.close();
      }
    });
  });
}

smsContract('HTTP gateway on loopback', async () => {
  const gateway = await startSmsGateway();
  return {
    sms: createSmsGateway({ url: gateway.url, logger: silentLogger }),
    delivered: () => gateway.received.map((m) => `${m.to} ${m.text}`),
    close: gateway.close,
  };
});

smsContract('development outbox', async () => {
  const outbox = createOutbox({ print: () => {} });
  return {
    sms: outbox.sms,
    delivered: () => outbox.list().map((m) => `${m.to} ${m.text}`),
    close: async () => {},
  };
});

describe('delivery failures', () => {
  it('reports a gateway failing on its side, or not there, as unavailable (worth a retry)', async () => {
    const gateway = await startSmsGateway();
    const sms = createSmsGateway({ url: gateway.url, logger: silentLogger });
    gateway.failNext();
    expect(await sms.send({ to: '+79161234567', text: 'x' })).toEqual({ ok: false, error: 'unavailable' });
    await gateway.close();
    expect(await sms.send({ to: '+79161234567', text: 'x' })).toEqual({ ok: false, error: 'unavailable' });
  });

  it('reports a gateway refusing the message itself (4xx) as rejected', async () => {
    const sms = createSmsGateway({
      url: 'http://127.0.0.1:9/sms',
      logger: silentLogger,
      fetch: async () => new Response('invalid number', { status: 422 }),
    });
    expect(await sms.send({ to: '+79161234567', text: 'x' })).toEqual({ ok: false, error: 'rejected' });
  });

  it('reports an SMTP server refusing our credentials (5xx) as rejected, without logging the message', async () => {
    const server = await startSmtpServer();
    const logged: string[] = [];
    const logger = { ...silentLogger, warn: (m: string, f?: object) => logged.push(m + JSON.stringify(f)) };
    const mailer = createSmtpMailer({
      url: server.url.replace('mail-secret', 'wrong'),
      from: 'a@b.c',
      logger,
    });
    expect(await mailer.send(mail)).toEqual({ ok: false, error: 'rejected' });
    expect(logged.join()).not.toContain('123456');
    mailer.close();
    await server.close();
  });

  it('keeps the newest messages in the outbox, newest first', async () => {
    const outbox = createOutbox({ keep: 2, print: () => {} });
    for (const n of [1, 2, 3]) await outbox.sms.send({ to: `+7916000000${n}`, text: `n${n}` });
    expect(outbox.list().map((m) => m.text)).toEqual(['n3', 'n2']);
  });
});
