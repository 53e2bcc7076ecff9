import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { vouchedClient, vouchForClient } from '../web/forwarded-client';

const key = new Uint8Array(32).fill(5);
const app = new Hono().get('/', (c) => c.text(vouchedClient(c, key) ?? 'nobody'));
const ask = async (headers: Headers) => (await app.request('/', { headers })).text();

describe('the client a Worker vouches for when it forwards a request to Node', () => {
  it('is taken with its proof, and the client cannot name one of its own', async () => {
    const headers = new Headers({ 'x-kabinet-client': '6.6.6.6', 'x-kabinet-client-proof': 'made-up' });
    expect(await ask(headers)).toBe('nobody'); // what the client sent
    vouchForClient(headers, key, '203.0.113.7');
    expect(await ask(headers)).toBe('203.0.113.7');
    // Another address under this proof, or a proof under another key, is nobody.
    headers.set('x-kabinet-client', '203.0.113.8');
    expect(await ask(headers)).toBe('nobody');
    vouchForClient(headers, new Uint8Array(32).fill(6), '203.0.113.7');
    expect(await ask(headers)).toBe('nobody');
    // Without Cloudflare's address, nothing is vouched for (and nothing the client sent survives).
    vouchForClient(headers, key, null);
    expect(headers.has('x-kabinet-client')).toBe(false);
  });
});
