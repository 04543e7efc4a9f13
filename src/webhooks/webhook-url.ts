import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { isForbiddenAddress } from './webhook-address.js';

export const WEBHOOK_URL_MAX_LENGTH = 2048;

/** A webhook URL that may not be used; the message says why and what to do. */
export class WebhookUrlError extends Error {}

/**
 * The syntactic rules for a webhook URL: absolute, `https` (or `http` when private targets are allowed), no
 * credentials, a host, at most WEBHOOK_URL_MAX_LENGTH characters. IP literals are checked here too.
 */
export function parseWebhookUrl(raw: string, allowPrivate: boolean): URL {
  if (raw.length > WEBHOOK_URL_MAX_LENGTH) {
    throw new WebhookUrlError(`webhookUrl must be at most ${WEBHOOK_URL_MAX_LENGTH} characters`);
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookUrlError('webhookUrl must be an absolute URL such as https://example.com/hooks/video');
  }
  const schemes = allowPrivate ? ['https:', 'http:'] : ['https:'];
  if (!schemes.includes(url.protocol)) {
    throw new WebhookUrlError(
      allowPrivate ? 'webhookUrl must be an http or https URL' : 'webhookUrl must be an https URL',
    );
  }
  if (url.username || url.password) {
    throw new WebhookUrlError(
      'webhookUrl must not carry credentials; verify the webhook-signature header instead',
    );
  }
  if (!url.hostname) throw new WebhookUrlError('webhookUrl must name a host');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivate && isIP(host) && isForbiddenAddress(host)) {
    throw new WebhookUrlError(
      `webhookUrl points at ${host}, a private, loopback or reserved address; use a public https endpoint`,
    );
  }
  return url;
}

export type Resolver = (hostname: string) => Promise<string[]>;

export const systemResolver: Resolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

/**
 * Resolves the host and refuses it when any address is private (unless allowed). Run at create and again
 * just before every delivery, so a name that later resolves elsewhere (DNS rebinding) is still refused.
 */
export async function assertPublicHost(url: URL, allowPrivate: boolean, resolve: Resolver): Promise<void> {
  if (allowPrivate) return;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [host] : await resolve(host).catch(() => [] as string[]);
  if (addresses.length === 0) {
    throw new WebhookUrlError(`webhookUrl host ${host} does not resolve; check the name`);
  }
  const bad = addresses.find(isForbiddenAddress);
  if (bad) {
    throw new WebhookUrlError(
      `webhookUrl host ${host} resolves to ${bad}, a private, loopback or reserved address; use a public endpoint`,
    );
  }
}
