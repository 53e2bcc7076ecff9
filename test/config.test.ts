import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../web/config';

describe('configuration', () => {
  it('starts on embedded defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      PORT: 3000,
      PUBLIC_URL: 'http://localhost:3000',
      INSURER: 'soglasie',
      DATA_DIR: './.data',
      TELEGRAM_API_ROOT: 'https://api.telegram.org',
    });
    expect([config.DATABASE_URL, config.REDIS_URL, config.SMTP_URL]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('treats an empty variable as unset', () => {
    const config = loadConfig({ DATABASE_URL: '', PORT: '8080' });
    expect([config.DATABASE_URL, config.PORT]).toEqual([undefined, 8080]);
  });

  it('names every bad variable and what it expects, in one message', () => {
    const attempt = () => loadConfig({ PORT: 'eighty', INSURER: 'acme', REDIS_URL: 'localhost:6379' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/PORT: expected a port number \(got "eighty"\)/);
    expect(attempt).toThrow(/INSURER: expected one of: soglasie, victoria \(got "acme"\)/);
    expect(attempt).toThrow(/REDIS_URL: expected a URL/);
  });

  it('takes the sites that may frame the chat as origins, and refuses anything more or less than one', () => {
    expect(loadConfig({}).WEB_CHAT_EMBED_ORIGINS).toEqual([]);
    expect(
      loadConfig({
        WEB_CHAT_EMBED_ORIGINS: 'https://www.Insurer.ru/, http://localhost:8080',
        PUBLIC_URL: 'https://kabinet.example.ru',
      }).WEB_CHAT_EMBED_ORIGINS,
    ).toEqual(['https://www.insurer.ru', 'http://localhost:8080']);
    const refused = [
      'https://insurer.ru/chat',
      'insurer.ru',
      'ftp://a.ru',
      '*',
      // What a URL parser lets through in a host: it would end the CSP directive, or allow every site.
      'https://a.ru;script-src',
      'https://a.ru;sandbox',
      'https://*',
      'https://*.ru',
      // A page anyone on the way can rewrite.
      'http://www.insurer.ru',
    ];
    for (const bad of refused)
      expect(() => loadConfig({ WEB_CHAT_EMBED_ORIGINS: bad }), bad).toThrow(
        /WEB_CHAT_EMBED_ORIGINS: expected origins/,
      );
  });

  it('takes the Node side a Worker forwards to over https only, but on this machine', () => {
    expect(() => loadConfig({ KABINET_NODE_URL: 'http://node.internal:3000' })).toThrow(
      /KABINET_NODE_URL: expected https/,
    );
    expect(loadConfig({ KABINET_NODE_URL: 'http://127.0.0.1:3000' }).KABINET_NODE_URL).toBe(
      'http://127.0.0.1:3000',
    );
    expect(loadConfig({ KABINET_NODE_URL: 'https://node.example.ru' }).KABINET_NODE_URL).toBe(
      'https://node.example.ru',
    );
  });

  it('refuses embedding when the chat is served over plain http off this machine', () => {
    const embedding = { WEB_CHAT_EMBED_ORIGINS: 'https://www.insurer.ru' };
    expect(() => loadConfig({ ...embedding, PUBLIC_URL: 'http://kabinet.lan:3000' })).toThrow(
      /WEB_CHAT_EMBED_ORIGINS: needs PUBLIC_URL on https/,
    );
    expect(
      loadConfig({ ...embedding, PUBLIC_URL: 'http://127.0.0.1:3000' }).WEB_CHAT_EMBED_ORIGINS,
    ).toHaveLength(1);
    expect(loadConfig(embedding).WEB_CHAT_EMBED_ORIGINS).toHaveLength(1); // localhost by default
  });

  it('takes RESET_MODE chosen or sent, and refuses anything else', () => {
    expect(loadConfig({ RESET_MODE: 'chosen' })).toMatchObject({ RESET_MODE: 'chosen' });
    expect(loadConfig({}).RESET_MODE).toBeUndefined();
    expect(() => loadConfig({ RESET_MODE: 'email' })).toThrow(/RESET_MODE: expected one of: sent, chosen/);
  });

  it('never prints a secret or a password inside a URL', () => {
    let message = '';
    try {
      loadConfig({ DATA_KEY: 'too-short-secret', DATABASE_URL: 'mysql://admin:hunter2@db/x' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('DATA_KEY: expected 32 random bytes');
    expect(message).not.toContain('too-short-secret');
    expect(message).not.toContain('hunter2');
  });

  it('accepts a 32-byte DATA_KEY in base64 and the victoria preset', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    expect(loadConfig({ DATA_KEY: key, INSURER: 'victoria' })).toMatchObject({
      DATA_KEY: key,
      INSURER: 'victoria',
    });
  });
});

describe('Telegram webhook secret', () => {
  it('refuses a secret short enough to guess', () => {
    expect(() => loadConfig({ TELEGRAM_WEBHOOK_SECRET: 'abc' })).toThrow(
      /TELEGRAM_WEBHOOK_SECRET: expected 24–256/,
    );
    expect(loadConfig({ TELEGRAM_WEBHOOK_SECRET: 'a'.repeat(32) }).TELEGRAM_WEBHOOK_SECRET).toHaveLength(32);
  });
});
