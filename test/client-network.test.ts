import { describe, expect, it } from 'vitest';
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
});
