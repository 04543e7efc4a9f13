import fc from 'fast-check';
import type { Response, Test } from 'supertest';

/**
 * Property-based HTTP fuzzing: throw generated requests at an endpoint and require that each one is either
 * refused with a 4xx in NestJS's standard body and changes nothing, or (only when `maySucceed` says the input
 * is valid) succeeds. A 5xx always fails the property. To cover a new endpoint, add a FuzzTarget; to check
 * more state (credits, generations), pass a `snapshot` that reads it.
 */
export interface FuzzTarget<Input> {
  name: string;
  input: fc.Arbitrary<Input>;
  send(input: Input): Test;
  /** True when the input is a valid request that may legitimately answer 2xx. Default: never. */
  maySucceed?(input: Input): boolean;
}

export interface FuzzOptions {
  numRuns?: number;
  /** State that a refused request must leave unchanged, e.g. stored object keys, balances, generation count. */
  snapshot?: () => Promise<unknown>;
}

export async function expectOnlyClientErrors<Input>(
  target: FuzzTarget<Input>,
  options: FuzzOptions = {},
): Promise<void> {
  await fc.assert(
    fc.asyncProperty(target.input, async (input) => {
      const before = options.snapshot ? await options.snapshot() : undefined;
      const res: Response = await target.send(input);
      if (res.status >= 200 && res.status < 300) {
        if (!target.maySucceed?.(input)) {
          throw new Error(`${target.name} accepted ${describe(input)} with ${res.status}`);
        }
        return;
      }
      if (res.status < 400 || res.status >= 500) {
        throw new Error(
          `${target.name} answered ${res.status} ${JSON.stringify(res.body)} to ${describe(input)}`,
        );
      }
      expect(res.body).toEqual(
        expect.objectContaining({
          statusCode: res.status,
          message: expect.anything(),
          error: expect.any(String),
        }),
      );
      if (options.snapshot) expect(await options.snapshot()).toEqual(before);
    }),
    { numRuns: options.numRuns ?? 150 },
  );
}

function describe(input: unknown): string {
  const text = Buffer.isBuffer(input) ? `<${input.length} bytes>` : JSON.stringify(input, (_k, v) => v);
  return text === undefined ? String(input) : text.slice(0, 300);
}

/**
 * Object keys an attacker might try against `owner`'s prefix: other users' keys, traversal (plain, encoded,
 * backslashed, dotted), control and invisible characters, look-alike prefixes, and plain random strings.
 */
export function hostileKey(owner: string, victim = 'victim'): fc.Arbitrary<string> {
  const name = fc.stringMatching(/^[\w.-]{1,12}$/);
  const trick = fc.constantFrom(
    '..',
    '.',
    '',
    '%2e%2e',
    '%2F',
    '..%2f',
    '%252e%252e',
    '\\..',
    '..\\',
    '\u0000',
    '\n',
    '\u202e',
    '\u200b',
    '\uff0e\uff0e',
    `${owner}/..`,
    victim,
    `${owner}-x`,
  );
  const segments = fc
    .array(fc.oneof(trick, name), { minLength: 1, maxLength: 5 })
    .map((parts) => parts.join('/'));
  return fc.oneof(
    segments.map((rest) => `images/${owner}/${rest}`),
    segments.map((rest) => `images/${victim}/${rest}`),
    segments.map((rest) => `videos/${owner}/${rest}`),
    segments.map((rest) => `/images/${owner}/${rest}`),
    segments,
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 40 }),
  );
}

/** JSON bodies: arbitrary JSON values, and objects mixing the endpoint's own fields with hostile values. */
export function hostileJson(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> {
  const hostileValue = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.constantFrom('', ' ', '__proto__', 'constructor', 'NaN', '-1', '1e309', 'null', '<script>'),
    fc.constantFrom(-1, 0, 1.5, 2 ** 31, 2 ** 53 + 2, Number.MAX_SAFE_INTEGER, -0),
  );
  const knownFields = fc
    .dictionary(fc.constantFrom(...Object.keys(fields)), fc.constant(null))
    .chain((chosen) =>
      fc.record(
        Object.fromEntries(Object.keys(chosen).map((key) => [key, fc.oneof(fields[key], hostileValue)])),
      ),
    );
  const extraFields = fc.dictionary(
    fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('__proto__', 'constructor', 'userId', 'key')),
    hostileValue,
    { maxKeys: 3 },
  );
  return fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    knownFields,
    fc.tuple(knownFields, extraFields).map(([known, extra]) => ({ ...extra, ...known })),
  );
}

/** Raw request bodies sent as application/json: broken JSON, huge numbers, deep nesting, binary. */
export function hostileRawJson(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ maxLength: 60 }),
    fc.constantFrom('{', '{"a":', '[1,2', '{"__proto__":{"polluted":1}}', '"\\ud800"', '1e99999', 'nul'),
    fc.nat({ max: 200 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
    fc.uint8Array({ maxLength: 60 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
  );
}
