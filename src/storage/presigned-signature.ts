import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export interface ReceivedRequest {
  method: string;
  /** Path and query exactly as received (`/bucket/key?X-Amz-...`), still percent-encoded. */
  url: string;
  /** Header names in lower case, as Node gives them. */
  headers: Record<string, string | string[] | undefined>;
}

export type PresignedCheck = { ok: true } | { ok: false; reason: string };

/**
 * Checks an AWS Signature Version 4 query-string signature (a presigned URL) as S3 does: the canonical
 * request is rebuilt from what was actually received, so a different method, key, query parameter or
 * signed header value (Content-Type, Content-Length) makes the signature not match.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
 */
export function checkPresignedRequest(request: ReceivedRequest, secretAccessKey: string): PresignedCheck {
  const queryStart = request.url.indexOf('?');
  const path = queryStart < 0 ? request.url : request.url.slice(0, queryStart);
  const params = parseQuery(queryStart < 0 ? '' : request.url.slice(queryStart + 1));
  const get = (name: string) => params.find(([key]) => key === name)?.[1];

  const algorithm = get('X-Amz-Algorithm');
  const credential = get('X-Amz-Credential');
  const date = get('X-Amz-Date');
  const signedHeaderList = get('X-Amz-SignedHeaders');
  const signature = get('X-Amz-Signature');
  if (algorithm !== 'AWS4-HMAC-SHA256' || !credential || !date || !signedHeaderList || !signature) {
    return { ok: false, reason: 'incomplete query-string signature' };
  }
  const [, ...scopeParts] = credential.split('/');
  if (scopeParts.length !== 4 || scopeParts[3] !== 'aws4_request') {
    return { ok: false, reason: 'malformed credential scope' };
  }
  const [day, region, service] = scopeParts;

  const signedHeaders = signedHeaderList.split(';');
  const canonicalHeaders = signedHeaders
    .map((name) => `${name}:${headerValue(request.headers[name])}\n`)
    .join('');
  const canonicalQuery = params
    .filter(([key]) => key !== 'X-Amz-Signature')
    .map(([key, value]) => [encodeRfc3986(key), encodeRfc3986(value)])
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
  const canonicalRequest = [
    request.method.toUpperCase(),
    path,
    canonicalQuery,
    canonicalHeaders,
    signedHeaderList,
    get('X-Amz-Content-Sha256') ?? 'UNSIGNED-PAYLOAD',
  ].join('\n');
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    date,
    scopeParts.join('/'),
    createHash('sha256').update(canonicalRequest).digest('hex'),
  ].join('\n');
  const signingKey = [day, region, service, 'aws4_request'].reduce<Buffer>(
    (key, part) => createHmac('sha256', key).update(part).digest(),
    Buffer.from(`AWS4${secretAccessKey}`),
  );
  const expected = createHmac('sha256', signingKey).update(stringToSign).digest();
  const provided = Buffer.from(signature, 'hex');
  if (provided.length !== expected.length || !timingSafeEqual(provided, expected)) {
    return { ok: false, reason: 'signature does not match the request' };
  }
  return { ok: true };
}

function parseQuery(query: string): Array<[string, string]> {
  if (query === '') return [];
  return query.split('&').map((pair) => {
    const equals = pair.indexOf('=');
    const key = equals < 0 ? pair : pair.slice(0, equals);
    const value = equals < 0 ? '' : pair.slice(equals + 1);
    return [safeDecode(key), safeDecode(value)];
  });
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, '%20'));
  } catch {
    return text;
  }
}

function encodeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function headerValue(value: string | string[] | undefined): string {
  const joined = Array.isArray(value) ? value.join(',') : (value ?? '');
  return joined.trim().replace(/\s+/g, ' ');
}
