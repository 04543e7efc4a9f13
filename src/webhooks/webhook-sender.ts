import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { Inject, Injectable } from '@nestjs/common';
import axios, { type AxiosInstance } from 'axios';
import { AppConfig } from '../config/app-config.js';
import { isForbiddenAddress } from './webhook-address.js';
import { assertPublicHost, parseWebhookUrl, systemResolver, WebhookUrlError } from './webhook-url.js';

/** What one delivery attempt came to. */
export interface SendResult {
  ok: boolean;
  statusCode?: number;
  error?: string;
  durationMs: number;
}

/**
 * Posts one signed webhook: the receiver is an outside system, reached with axios. No redirects, a hard
 * timeout, and, unless private targets are allowed, every address the name resolves to at connect time is
 * checked (so DNS rebinding between the check and the connection cannot reach an internal address).
 */
@Injectable()
export class WebhookSender {
  private readonly client: AxiosInstance;

  constructor(@Inject(AppConfig) private readonly config: AppConfig) {
    const allowPrivate = config.webhooks.allowPrivate;
    const lookup: LookupFunction = (hostname, options, callback) => {
      dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
        if (error) return callback(error, '', 4);
        const bad = allowPrivate ? undefined : addresses.find((a) => isForbiddenAddress(a.address));
        if (bad) {
          return callback(
            Object.assign(new Error(`${hostname} resolves to ${bad.address}, a private address; refused`), {
              code: 'EWEBHOOKPRIVATE',
            }),
            '',
            4,
          );
        }
        if ((options as { all?: boolean }).all)
          return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
        const first = addresses[0]!;
        callback(null, first.address, first.family);
      });
    };
    this.client = axios.create({
      timeout: config.webhooks.timeoutMs,
      maxRedirects: 0,
      proxy: false,
      validateStatus: () => true,
      responseType: 'text',
      maxContentLength: 64 * 1024,
      transformResponse: (data: unknown) => data,
      httpAgent: new http.Agent({ lookup, keepAlive: false }),
      httpsAgent: new https.Agent({ lookup, keepAlive: false }),
    });
  }

  async send(url: string, headers: Record<string, string>, body: string): Promise<SendResult> {
    const started = Date.now();
    try {
      const parsed = parseWebhookUrl(url, this.config.webhooks.allowPrivate);
      await assertPublicHost(parsed, this.config.webhooks.allowPrivate, systemResolver);
      const response = await this.client.post(parsed.toString(), body, {
        headers: { ...headers, 'content-type': 'application/json', 'user-agent': 'video-gen-api webhooks' },
      });
      const ok = response.status >= 200 && response.status < 300;
      return {
        ok,
        statusCode: response.status,
        error: ok
          ? undefined
          : response.status >= 300 && response.status < 400
            ? `HTTP ${response.status}: redirects are not followed; give the final URL`
            : `HTTP ${response.status}`,
        durationMs: Date.now() - started,
      };
    } catch (error) {
      return { ok: false, error: describe(error), durationMs: Date.now() - started };
    }
  }
}

function describe(error: unknown): string {
  if (error instanceof WebhookUrlError) return error.message;
  const e = error as { code?: string; message?: string };
  if (e.code === 'ECONNABORTED' || e.code === 'ETIMEDOUT') return 'no answer within the timeout';
  return `${e.code ? `${e.code}: ` : ''}${e.message ?? String(error)}`.slice(0, 500);
}
