import { assertPublicHost, parseWebhookUrl, WebhookUrlError } from './webhook-url.js';

describe('parseWebhookUrl', () => {
  it('accepts https anywhere public, and http and loopback only when private targets are allowed', () => {
    expect(parseWebhookUrl('https://example.com/hook', false).hostname).toBe('example.com');
    expect(parseWebhookUrl('http://127.0.0.1:9999/hook', true).port).toBe('9999');
    expect(() => parseWebhookUrl('http://example.com/hook', false)).toThrow('must be an https URL');
    expect(() => parseWebhookUrl('https://127.0.0.1/hook', false)).toThrow(/private, loopback/);
    expect(() => parseWebhookUrl('https://[::1]/hook', false)).toThrow(/private, loopback/);
    expect(() => parseWebhookUrl('https://169.254.169.254/latest', false)).toThrow(/private, loopback/);
  });

  it('refuses what is not a usable URL', () => {
    expect(() => parseWebhookUrl('not a url', true)).toThrow(WebhookUrlError);
    expect(() => parseWebhookUrl('ftp://example.com/x', true)).toThrow('http or https');
    expect(() => parseWebhookUrl('https://user:pw@example.com/x', true)).toThrow('credentials');
    expect(() => parseWebhookUrl(`https://example.com/${'a'.repeat(2048)}`, true)).toThrow('at most 2048');
  });
});

describe('assertPublicHost', () => {
  const resolver = (map: Record<string, string[]>) => async (host: string) => map[host] ?? [];

  it('refuses a name that resolves to any private address, and one that does not resolve', async () => {
    const resolve = resolver({ 'ok.test': ['93.184.215.14'], 'rebind.test': ['93.184.215.14', '10.0.0.5'] });
    await expect(assertPublicHost(new URL('https://ok.test/'), false, resolve)).resolves.toBeUndefined();
    await expect(assertPublicHost(new URL('https://rebind.test/'), false, resolve)).rejects.toThrow(
      'resolves to 10.0.0.5',
    );
    await expect(assertPublicHost(new URL('https://nowhere.test/'), false, resolve)).rejects.toThrow(
      'does not resolve',
    );
  });

  it('allows anything when private targets are allowed (development)', async () => {
    await expect(
      assertPublicHost(new URL('http://localhost:1/'), true, resolver({})),
    ).resolves.toBeUndefined();
  });
});
