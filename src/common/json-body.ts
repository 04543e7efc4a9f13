import { buildMessage, ValidateBy, ValidationOptions } from 'class-validator';

/**
 * Checks on every JSON request body, made once where bodies are parsed so that no endpoint can forget them.
 * Each failure is an Error carrying `status: 400`, which the body parser and the exception filter turn into
 * the standard 400 body before any controller runs (so nothing is charged or written).
 */

/** Deeper bodies are refused before parsing: ours are at most 3 levels deep, and recursion over a deeper one
 * (the reviver, class-transformer) would overflow the stack. */
export const MAX_JSON_DEPTH = 32;

export class JsonBodyError extends Error {
  readonly status = 400;
  readonly statusCode = 400;
  readonly expose = true;
  constructor(message: string) {
    super(message);
    this.name = 'JsonBodyError';
  }
}

/**
 * How deeply arrays and objects nest in raw JSON text, counting only brackets outside strings. Stops counting
 * as soon as `limit` is passed, so a hostile body costs one pass at most.
 */
export function jsonDepthExceeds(text: string, limit = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** For body-parser's `verify`, which sees the raw bytes before they are parsed. */
export function refuseDeepJson(_req: unknown, _res: unknown, buffer: Buffer, encoding?: string): void {
  if (jsonDepthExceeds(decode(buffer, encoding))) {
    throw new JsonBodyError(
      `JSON nested too deeply: send at most ${MAX_JSON_DEPTH} levels of nested objects and arrays`,
    );
  }
}

function decode(buffer: Buffer, encoding: string | undefined): string {
  if (!encoding || /^utf-?8$/i.test(encoding)) return buffer.toString('utf8');
  try {
    return new TextDecoder(encoding).decode(buffer);
  } catch {
    return buffer.toString('utf8');
  }
}

/**
 * True when PostgreSQL cannot store the string: a NUL character (not allowed in text) or a lone UTF-16
 * surrogate (not valid Unicode, so not valid in jsonb either).
 */
export function isUnstorableString(value: string): boolean {
  return value.includes('\u0000') || LONE_SURROGATE.test(value);
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Path (`prompts[1]`, `crop.left`) of the first string value or key PostgreSQL could not store. */
export function findUnstorableString(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return isUnstorableString(value) ? path || 'body' : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findUnstorableString(value[i], `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      const childPath = path ? `${path}.${key}` : key;
      if (isUnstorableString(key)) return childPath;
      const found = findUnstorableString(child, childPath);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * JSON.parse keeps `__proto__`, `constructor` and `prototype` keys as ordinary properties, which
 * class-transformer then drops (or reads from the prototype) without a word, so `forbidNonWhitelisted` never sees
 * them. Refusing them at parse time gives the caller a 400 like any other unknown field (found by the property
 * test in test/http-fuzz.e2e-spec.ts).
 */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** The JSON.parse reviver for request bodies: prototype keys, then (once, at the root) unstorable strings. */
export function jsonBodyReviver(key: string, value: unknown): unknown {
  if (PROTOTYPE_KEYS.has(key)) throw new SyntaxError(`property ${key} should not exist`);
  // The root is revived last, with the key "": one walk over the whole body names the field.
  if (key === '') {
    const path = findUnstorableString(value);
    if (path) {
      throw new JsonBodyError(
        `${path} must not contain NUL characters (\\u0000) or unpaired UTF-16 surrogates; remove them and retry`,
      );
    }
  }
  return value;
}

/** The same rule for text that arrives outside a JSON body (query strings). */
export function IsStorableText(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isStorableText',
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || !isUnstorableString(value),
        defaultMessage: buildMessage(
          (each) =>
            `${each}$property must not contain NUL characters (\\u0000) or unpaired UTF-16 surrogates`,
          options,
        ),
      },
    },
    options,
  );
}
