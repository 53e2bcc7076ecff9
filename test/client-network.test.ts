import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { clientAddress } from '../web/client-address';
import { clientNetwork } from '../web/client-network';

describe('client network for per-client budgets', () => {
  it('counts an IPv4 address as itself, also when mapped into IPv6', () => {
    expect(clientNetwork('203.0.113.7')).toBe('203.0.113.7');
    expect(clientNetwork('::ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  it('counts every address of one IPv6 /64 as one client, however it is written', () => {
    const network = '2001:db8:0:12::/64';
    for (const address of ['2001:db8:0:12:abcd::1', '2001:0db8:0000:0012:1:2:3:4', '2001:DB8:0:12::9'])
      expect(clientNetwork(address)).toBe(network);
    expect(clientNetwork('2001:db8:0:13::1')).not.toBe(network);
  });

  it('takes the address the outermost trusted proxy saw, not the one a client wrote before it', async () => {
    const seen = async (proxies: number, forwarded: string) => {
      const app = new Hono().get('/', (c) => c.text(clientAddress(c, proxies) ?? 'none'));
      return (await app.request('/', { headers: { 'x-forwarded-for': forwarded } })).text();
    };
    // The client wrote 10.9.8.7; the load balancer appended the address it was called from.
    expect(await seen(1, '10.9.8.7, 203.0.113.9')).toBe('203.0.113.9');
    // Behind a CDN and a load balancer: the CDN's entry is the client, the balancer's the CDN.
    expect(await seen(2, '10.9.8.7, 203.0.113.9, 198.51.100.1')).toBe('203.0.113.9');
    // Without a trusted proxy the header names nobody (in-process requests have no socket here).
    expect(await seen(0, '203.0.113.9')).toBe('none');
  });
});
