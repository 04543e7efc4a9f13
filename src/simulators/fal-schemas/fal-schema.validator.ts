import type { FalEndpointSchema, FalFieldSchema } from './fal-schemas.data.js';

/** fal's FastAPI-style validation detail. */
export interface FalValidationDetail {
  loc: Array<string | number>;
  msg: string;
  type: string;
  ctx?: unknown;
}

/** Loads what an image or video field points at (data URI or a simulator file); undefined when it cannot. */
export type FalFileLoader = (url: string, kind: 'image' | 'video') => Buffer | undefined;

const MAX_IMAGE_BYTES = 8 * 1024 * 1024;

/**
 * Validates one input against a transcribed schema the way fal's pydantic models answer: required fields,
 * literal enums compared strictly ("5" is not 5), types, lengths, ranges, loadable files, and no unknown
 * fields. Pure apart from the loader.
 */
export function validateFalInput(
  schema: FalEndpointSchema,
  input: Record<string, unknown>,
  load: FalFileLoader,
): FalValidationDetail[] {
  const errors: FalValidationDetail[] = [];
  const fail = (field: string, msg: string, type: string, ctx?: unknown) =>
    errors.push({ loc: ['body', field], msg, type, ...(ctx ? { ctx } : {}) });
  for (const [field, spec] of Object.entries(schema.input)) {
    const value = input[field];
    if (value === undefined || value === null) {
      if (spec.required) fail(field, 'Field required', 'missing');
      continue;
    }
    checkField(field, spec, value, load, fail);
  }
  for (const field of Object.keys(input)) {
    if (!(field in schema.input)) fail(field, 'Extra inputs are not permitted', 'extra_forbidden');
  }
  return errors;
}

function checkField(
  field: string,
  spec: FalFieldSchema,
  value: unknown,
  load: FalFileLoader,
  fail: (field: string, msg: string, type: string, ctx?: unknown) => void,
): void {
  if (spec.enum) {
    if (!spec.enum.includes(value as string | number)) {
      const allowed = spec.enum.map((a) => (typeof a === 'string' ? `'${a}'` : String(a))).join(', ');
      fail(field, `Input should be ${allowed}`, 'literal_error', { expected: spec.enum });
    }
    return;
  }
  switch (spec.type) {
    case 'string':
      if (typeof value !== 'string') return fail(field, 'Input should be a valid string', 'string_type');
      if (field === 'prompt' && value.trim() === '') return fail(field, 'Field required', 'missing');
      if (spec.maxLength !== undefined && value.length > spec.maxLength) {
        fail(field, `String should have at most ${spec.maxLength} characters`, 'string_too_long');
      }
      return;
    case 'boolean':
      if (typeof value !== 'boolean') fail(field, 'Input should be a valid boolean', 'bool_type');
      return;
    case 'integer':
    case 'number':
      if (typeof value !== 'number' || (spec.type === 'integer' && !Number.isInteger(value))) {
        return fail(
          field,
          `Input should be a valid ${spec.type}`,
          `${spec.type === 'integer' ? 'int' : 'float'}_type`,
        );
      }
      if (spec.minimum !== undefined && value < spec.minimum) {
        fail(field, `Input should be greater than or equal to ${spec.minimum}`, 'greater_than_equal');
      }
      if (spec.maximum !== undefined && value > spec.maximum) {
        fail(field, `Input should be less than or equal to ${spec.maximum}`, 'less_than_equal');
      }
      return;
    case 'string-list':
      if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
        fail(field, 'Input should be a valid list of strings', 'list_type');
      }
      return;
    case 'image':
    case 'video': {
      if (typeof value !== 'string' || value === '') return fail(field, 'Field required', 'missing');
      const bytes = load(value, spec.type);
      if (!bytes) {
        return fail(
          field,
          `Could not load the ${spec.type} from the given URL or data URI`,
          `${spec.type}_load_error`,
        );
      }
      if (spec.type === 'image' && bytes.length > MAX_IMAGE_BYTES) {
        fail(field, 'Image is larger than 8 MB', 'image_too_large');
      }
      return;
    }
  }
}

/** The length of the video a valid input asks for, in seconds ("8s", "5", 5 or the schema's default). */
export function requestedSeconds(schema: FalEndpointSchema, input: Record<string, unknown>): number {
  const value = input[schema.duration.field ?? 'duration'];
  const seconds = Number(String(value ?? '').replace(/s$/, ''));
  return Number.isFinite(seconds) && seconds > 0 ? seconds : schema.duration.defaultSeconds;
}
