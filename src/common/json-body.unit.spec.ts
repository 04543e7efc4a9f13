import {
  findUnstorableString,
  isUnstorableString,
  jsonBodyReviver,
  jsonDepthExceeds,
  MAX_JSON_DEPTH,
  refuseDeepJson,
} from './json-body.js';

describe('jsonDepthExceeds', () => {
  it('accepts nesting up to the limit and refuses one level more', () => {
    expect(jsonDepthExceeds('['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH))).toBe(false);
    expect(jsonDepthExceeds('['.repeat(MAX_JSON_DEPTH + 1) + ']'.repeat(MAX_JSON_DEPTH + 1))).toBe(true);
    expect(jsonDepthExceeds('{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000))).toBe(true);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    const inString = JSON.stringify({ prompt: '[{'.repeat(100) + '\\"[[[' });
    expect(jsonDepthExceeds(inString)).toBe(false);
  });

  it('counts siblings as the same level', () => {
    expect(jsonDepthExceeds(JSON.stringify({ a: [[1], [2], [3]], b: { c: { d: 1 } } }))).toBe(false);
  });

  it('throws a 400 with a plain message from the body parser hook', () => {
    const deep = Buffer.from('['.repeat(10_000) + ']'.repeat(10_000));
    expect(() => refuseDeepJson(undefined, undefined, deep)).toThrow(
      expect.objectContaining({ status: 400, message: expect.stringMatching(/^JSON nested too deeply/) }),
    );
    expect(() => refuseDeepJson(undefined, undefined, Buffer.from('{"a":[1]}'))).not.toThrow();
  });
});

describe('unstorable strings', () => {
  it.each([
    ['a NUL', 'a\u0000b', true],
    ['a lone high surrogate', 'x\ud800', true],
    ['a lone low surrogate', '\udc00x', true],
    ['reversed surrogates', '\udc00\ud800', true],
    ['a surrogate pair (emoji)', 'sunset 🌅', false],
    ['plain text', 'A beautiful sunset', false],
    ['other control characters', 'tab\tnewline\n', false],
  ])('%s', (_name, value, unstorable) => {
    expect(isUnstorableString(value)).toBe(unstorable);
  });

  it('names the first offending field, in nested objects and arrays', () => {
    expect(findUnstorableString({ prompt: 'ok', prompts: ['a', 'b\u0000'] })).toBe('prompts[1]');
    expect(findUnstorableString({ crop: { note: '\ud800' } })).toBe('crop.note');
    expect(findUnstorableString({ ['k\u0000']: 1 })).toBe('k\u0000');
    expect(findUnstorableString('\u0000')).toBe('body');
    expect(
      findUnstorableString({ prompt: 'ok', n: 1, b: true, z: null, a: [1, { x: 'y' }] }),
    ).toBeUndefined();
  });

  it('are refused while parsing, with the field named; prototype keys too', () => {
    const parse = (text: string) => JSON.parse(text, jsonBodyReviver) as unknown;
    expect(() => parse('{"prompt":"a\\u0000"}')).toThrow(/^prompt must not contain NUL/);
    expect(() => parse('{"prompts":["ok","\\ud800"]}')).toThrow(/^prompts\[1\] must not contain/);
    expect(() => parse('{"__proto__":{}}')).toThrow('property __proto__ should not exist');
    expect(parse('{"prompt":"🌅","prompts":["a"]}')).toEqual({ prompt: '🌅', prompts: ['a'] });
  });
});
