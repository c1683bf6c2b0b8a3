import { describe, expect, it } from 'vitest';
import {
  checkHostAllowed,
  classifyAddress,
  isLocalName,
  isPrivateAddress,
  parseIpv4,
  type AddressClass,
} from '@core/intake/address-policy';

const CLASSES: readonly (readonly [string, AddressClass | null])[] = [
  // IPv4 in every form the URL standard accepts
  ['127.0.0.1', 'loopback'],
  ['127.8.9.10', 'loopback'],
  ['2130706433', 'loopback'],
  ['0x7f000001', 'loopback'],
  ['0x7f.1', 'loopback'],
  ['0177.0.0.1', 'loopback'],
  ['017700000001', 'loopback'],
  ['127.1', 'loopback'],
  ['0', 'unspecified'],
  ['0.0.0.0', 'unspecified'],
  ['10.0.0.1', 'private'],
  ['012.0.0.1', 'private'],
  ['172.16.0.1', 'private'],
  ['172.31.255.255', 'private'],
  ['172.32.0.1', 'public'],
  ['192.168.1.1', 'private'],
  ['192.168.1.1.', 'private'],
  ['169.254.169.254', 'link-local'],
  ['100.64.0.1', 'cgnat'],
  ['100.127.255.255', 'cgnat'],
  ['100.128.0.1', 'public'],
  ['224.0.0.1', 'multicast'],
  ['239.255.255.250', 'multicast'],
  ['255.255.255.255', 'reserved'],
  ['198.18.0.1', 'reserved'],
  ['8.8.8.8', 'public'],
  ['93.184.216.34', 'public'],
  // IPv6
  ['::1', 'loopback'],
  ['[::1]', 'loopback'],
  ['0:0:0:0:0:0:0:1', 'loopback'],
  ['::', 'unspecified'],
  ['fe80::1', 'link-local'],
  ['[fe80::1%eth0]', 'link-local'],
  ['febf::1', 'link-local'],
  ['fc00::1', 'unique-local'],
  ['fd12:3456::1', 'unique-local'],
  ['ff02::1', 'multicast'],
  ['fec0::1', 'private'],
  ['::ffff:127.0.0.1', 'loopback'],
  ['[::ffff:7f00:1]', 'loopback'],
  ['::ffff:10.1.2.3', 'private'],
  ['::ffff:8.8.8.8', 'public'],
  ['::127.0.0.1', 'loopback'],
  ['64:ff9b::10.0.0.1', 'private'],
  ['64:ff9b::8.8.8.8', 'public'],
  ['2002:c0a8:0101::1', 'private'],
  ['2001:db8::1', 'reserved'],
  ['2606:4700:4700::1111', 'public'],
  ['2a00:1450:4001:80b::200e', 'public'],
  // names
  ['example.com', null],
  ['1.2.3.4.5', null],
  ['256.0.0.1', null],
];

describe('classifyAddress', () => {
  it.each(CLASSES)('%s → %s', (host, cls) => {
    expect(classifyAddress(host)).toBe(cls);
    expect(isPrivateAddress(host)).toBe(cls !== null && cls !== 'public');
  });

  it('parses IPv4 like the URL standard does', () => {
    expect(parseIpv4('1.2.3')).toBe(parseIpv4('1.2.0.3'));
    expect(parseIpv4('4294967295')).toBe(0xffffffff);
    expect(parseIpv4('4294967296')).toBeNull();
    expect(parseIpv4('1.256.0.0')).toBeNull();
    expect(parseIpv4('08.0.0.1')).toBeNull();
  });

  it('knows local names', () => {
    for (const name of [
      'localhost',
      'LOCALHOST.',
      'api.localhost',
      'printer.local',
      'nas.home.arpa',
      'db.internal',
    ]) {
      expect(isLocalName(name), name).toBe(true);
    }
    for (const name of ['example.com', 'localhost.example.com', 'mylocal', 'internal.example.org']) {
      expect(isLocalName(name), name).toBe(false);
    }
  });
});

const table =
  (answers: Record<string, readonly string[]>) =>
  (host: string): Promise<readonly string[]> => {
    const a = answers[host];
    return a === undefined ? Promise.reject(new Error(`ENOTFOUND ${host}`)) : Promise.resolve(a);
  };

describe('checkHostAllowed', () => {
  it('refuses private literals and local names without resolving', async () => {
    const resolve = () => Promise.reject(new Error('must not be called'));
    for (const host of ['127.0.0.1', '[::1]', '10.0.0.1', '0x7f.1', 'localhost', '[::ffff:192.168.0.1]']) {
      await expect(checkHostAllowed(host, { allowPrivate: false, resolve }), host).rejects.toMatchObject({
        code: 'intake.private-address',
      });
    }
  });

  it('allows everything when private access is allowed', async () => {
    await expect(checkHostAllowed('127.0.0.1', { allowPrivate: true })).resolves.toEqual([]);
    await expect(checkHostAllowed('localhost', { allowPrivate: true })).resolves.toEqual([]);
  });

  it('accepts public literals and, without a resolver, names', async () => {
    await expect(checkHostAllowed('8.8.8.8', { allowPrivate: false })).resolves.toEqual(['8.8.8.8']);
    await expect(checkHostAllowed('[2606:4700::1111]', { allowPrivate: false })).resolves.toEqual([
      '2606:4700::1111',
    ]);
    await expect(checkHostAllowed('example.com', { allowPrivate: false })).resolves.toEqual([]);
  });

  it('refuses a name when any resolved address is private', async () => {
    const resolve = table({
      'public.example': ['93.184.216.34', '2606:2800:220:1::1'],
      'mixed.example': ['93.184.216.34', '10.0.0.5'],
      'rebind.example': ['::ffff:127.0.0.1'],
    });
    await expect(checkHostAllowed('public.example', { allowPrivate: false, resolve })).resolves.toEqual([
      '93.184.216.34',
      '2606:2800:220:1::1',
    ]);
    await expect(checkHostAllowed('mixed.example', { allowPrivate: false, resolve })).rejects.toMatchObject({
      code: 'intake.private-address',
      details: { address: '10.0.0.5', class: 'private' },
    });
    await expect(checkHostAllowed('rebind.example', { allowPrivate: false, resolve })).rejects.toMatchObject({
      code: 'intake.private-address',
    });
  });

  it('reports a name that does not resolve as a DNS failure', async () => {
    await expect(
      checkHostAllowed('nowhere.example', { allowPrivate: false, resolve: table({}) }),
    ).rejects.toMatchObject({
      code: 'capture.dns-failed',
    });
    await expect(
      checkHostAllowed('empty.example', { allowPrivate: false, resolve: table({ 'empty.example': [] }) }),
    ).rejects.toMatchObject({ code: 'capture.dns-failed' });
  });
});
