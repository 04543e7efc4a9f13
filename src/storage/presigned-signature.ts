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
 * Checks an AWS Signature Version 4 request as S3 does, whichever way it is signed: an `Authorization`
 * header (the SDK) or a query-string signature (a presigned URL). A request with neither is refused, so
 * nothing reaches the store anonymously.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-authenticating-requests.html
 */
export function checkSignedRequest(request: ReceivedRequest, secretAccessKey: string): PresignedCheck {
  const authorization = headerValue(request.headers['authorization']);
  if (authorization !== '') return checkAuthorizationHeader(request, authorization, secretAccessKey);
  if (/[?&]X-Amz-Signature=/.test(request.url)) return checkPresignedRequest(request, secretAccessKey);
  return { ok: false, reason: 'the request is not signed (no Authorization header, no presigned query)' };
}

/**
 * Checks a Signature Version 4 `Authorization` header. The payload hash is the one the client declared in
 * `x-amz-content-sha256` (it is part of what is signed), as S3 does for unsigned and streaming payloads.
 */
export function checkAuthorizationHeader(
  request: ReceivedRequest,
  authorization: string,
  secretAccessKey: string,
): PresignedCheck {
  const match = /^AWS4-HMAC-SHA256 (.*)$/.exec(authorization);
  if (!match) return { ok: false, reason: 'only AWS4-HMAC-SHA256 Authorization headers are accepted' };
  const fields = new Map(
    match[1].split(',').map((part) => {
      const equals = part.indexOf('=');
      return [part.slice(0, equals).trim(), part.slice(equals + 1).trim()] as [string, string];
    }),
  );
  const credential = fields.get('Credential');
  const signedHeaderList = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  const date = headerValue(request.headers['x-amz-date']);
  const payloadHash = headerValue(request.headers['x-amz-content-sha256']);
  if (!credential || !signedHeaderList || !signature || !date || !payloadHash) {
    return { ok: false, reason: 'incomplete Authorization header signature' };
  }
  const { path, params } = splitUrl(request.url);
  return verify({
    method: request.method,
    path,
    params,
    headers: request.headers,
    credential,
    date,
    signedHeaderList,
    payloadHash,
    signature,
    secretAccessKey,
  });
}

/**
 * Checks a query-string signature (a presigned URL): the canonical request is rebuilt from what was
 * actually received, so a different method, key, query parameter or signed header value (Content-Type,
 * Content-Length) makes the signature not match.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
 */
export function checkPresignedRequest(request: ReceivedRequest, secretAccessKey: string): PresignedCheck {
  const { path, params } = splitUrl(request.url);
  const get = (name: string) => params.find(([key]) => key === name)?.[1];

  const algorithm = get('X-Amz-Algorithm');
  const credential = get('X-Amz-Credential');
  const date = get('X-Amz-Date');
  const signedHeaderList = get('X-Amz-SignedHeaders');
  const signature = get('X-Amz-Signature');
  if (algorithm !== 'AWS4-HMAC-SHA256' || !credential || !date || !signedHeaderList || !signature) {
    return { ok: false, reason: 'incomplete query-string signature' };
  }
  return verify({
    method: request.method,
    path,
    params: params.filter(([key]) => key !== 'X-Amz-Signature'),
    headers: request.headers,
    credential,
    date,
    signedHeaderList,
    payloadHash: get('X-Amz-Content-Sha256') ?? 'UNSIGNED-PAYLOAD',
    signature,
    secretAccessKey,
  });
}

function verify(input: {
  method: string;
  path: string;
  params: Array<[string, string]>;
  headers: ReceivedRequest['headers'];
  credential: string;
  date: string;
  signedHeaderList: string;
  payloadHash: string;
  signature: string;
  secretAccessKey: string;
}): PresignedCheck {
  const [, ...scopeParts] = input.credential.split('/');
  if (scopeParts.length !== 4 || scopeParts[3] !== 'aws4_request') {
    return { ok: false, reason: 'malformed credential scope' };
  }
  const [day, region, service] = scopeParts;

  const signedHeaders = input.signedHeaderList.split(';');
  const canonicalHeaders = signedHeaders
    .map((name) => `${name}:${headerValue(input.headers[name])}\n`)
    .join('');
  const canonicalQuery = input.params
    .map(([key, value]) => [encodeRfc3986(key), encodeRfc3986(value)])
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
  const canonicalRequest = [
    input.method.toUpperCase(),
    input.path,
    canonicalQuery,
    canonicalHeaders,
    input.signedHeaderList,
    input.payloadHash,
  ].join('\n');
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    input.date,
    scopeParts.join('/'),
    createHash('sha256').update(canonicalRequest).digest('hex'),
  ].join('\n');
  const signingKey = [day, region, service, 'aws4_request'].reduce<Buffer>(
    (key, part) => createHmac('sha256', key).update(part).digest(),
    Buffer.from(`AWS4${input.secretAccessKey}`),
  );
  const expected = createHmac('sha256', signingKey).update(stringToSign).digest();
  const provided = Buffer.from(input.signature, 'hex');
  if (provided.length !== expected.length || !timingSafeEqual(provided, expected)) {
    return { ok: false, reason: 'signature does not match the request' };
  }
  return { ok: true };
}

function splitUrl(url: string): { path: string; params: Array<[string, string]> } {
  const queryStart = url.indexOf('?');
  return {
    path: queryStart < 0 ? url : url.slice(0, queryStart),
    params: parseQuery(queryStart < 0 ? '' : url.slice(queryStart + 1)),
  };
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
