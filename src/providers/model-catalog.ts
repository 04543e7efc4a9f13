import { readFileSync } from 'node:fs';
import { Inject, Injectable } from '@nestjs/common';
import { InvalidRequestError } from '../common/domain-errors.js';
import { AppConfig, ProvidersConfig } from '../config/app-config.js';
import { ConfigurationError } from '../config/environment.js';
import { Decimal } from '../credits/credit-amount.js';
import { priceRuleProblem } from '../credits/pricing.js';
import { DEFAULT_MODELS } from './model-catalog.defaults.js';
import {
  GENERATION_KINDS,
  GenerationKind,
  LIFECYCLE_STATUSES,
  ModelAvailability,
  ModelEntry,
} from './model-catalog.types.js';

/** `{ "<model>": { ...fields to replace } | null }`; null removes a model, an unknown name adds one. */
export type CatalogOverrides = Record<string, Record<string, unknown> | null>;

const PROVIDERS = ['fal', 'azure', 'local'];
const SIZE_PATTERN = /^[1-9]\d{1,4}x[1-9]\d{1,4}$/;

/**
 * Applies overrides to a catalog. Top-level fields are replaced; `price`, `features` and `defaults` are
 * merged field by field so an override can change just the price. Pure.
 */
export function mergeCatalog(base: readonly ModelEntry[], ...layers: CatalogOverrides[]): ModelEntry[] {
  const models = new Map<string, Record<string, unknown>>(
    base.map((m) => [m.name, structuredClone(m) as never]),
  );
  for (const layer of layers) {
    for (const [name, override] of Object.entries(layer)) {
      if (override === null) {
        models.delete(name);
        continue;
      }
      const current = models.get(name) ?? {};
      const merged: Record<string, unknown> = { ...current, ...override, name };
      for (const nested of ['price', 'features', 'defaults', 'lifecycle', 'fal']) {
        if (isObject(current[nested]) && isObject(override[nested])) {
          merged[nested] = { ...current[nested], ...override[nested] };
        }
      }
      models.set(name, merged);
    }
  }
  return [...models.values()].map((raw) => normaliseEntry(raw));
}

const DURATION_ENCODINGS = ['seconds-s', 'string', 'integer', 'none'];
const FAL_FIELD = /^[A-Za-z_][\w]{0,63}$/;

/** Problems with the lifecycle, vendor, extend method and fal mapping of an entry. Pure. */
function lineupProblems(entry: ModelEntry, at: (field: string, problem: string) => void): void {
  if (typeof entry.vendor !== 'string' || !/^[a-z0-9][a-z0-9-]{0,31}$/.test(entry.vendor)) {
    at(
      'vendor',
      'is required: who makes the model (google, openai, kuaishou, bytedance, alibaba, lightricks, pixverse, local...)',
    );
  }
  const lifecycle = entry.lifecycle;
  if (!isObject(lifecycle) || !LIFECYCLE_STATUSES.includes(lifecycle.status)) {
    at('lifecycle.status', `must be one of ${LIFECYCLE_STATUSES.join(', ')}`);
  } else {
    for (const field of ['deprecatedAt', 'sunsetAt'] as const) {
      const value = lifecycle[field];
      if (value !== undefined && (typeof value !== 'string' || Number.isNaN(Date.parse(value)))) {
        at(`lifecycle.${field}`, 'must be an ISO 8601 date such as 2026-09-15T00:00:00Z');
      }
    }
    if (lifecycle.replacement !== undefined && typeof lifecycle.replacement !== 'string') {
      at('lifecycle.replacement', 'must be the name of another model');
    }
  }
  if (entry.extend !== 'native' && entry.extend !== 'last-frame')
    at('extend', 'must be "native" or "last-frame"');
  if (
    entry.maxPromptLength !== undefined &&
    !(Number.isInteger(entry.maxPromptLength) && entry.maxPromptLength > 0)
  ) {
    at('maxPromptLength', 'must be a positive whole number of characters');
  }
  const fal = entry.fal;
  if (fal !== undefined) {
    if (!isObject(entry.fal)) {
      at('fal', 'must be an object (see README: any fal video model by configuration)');
      return;
    }
    if (entry.provider !== 'fal') at('fal', 'applies to provider "fal" only');
    for (const field of [
      'imageField',
      'endImageField',
      'referenceImagesField',
      'durationField',
      'aspectRatioField',
      'resolutionField',
      'audioField',
      'negativePromptField',
      'seedField',
      'extendVideoField',
    ] as const) {
      const value = fal[field];
      if (value !== undefined && value !== null && (typeof value !== 'string' || !FAL_FIELD.test(value))) {
        at(`fal.${field}`, 'must be a fal input field name such as image_url');
      }
    }
    if (fal.durationEncoding !== undefined && !DURATION_ENCODINGS.includes(fal.durationEncoding)) {
      at('fal.durationEncoding', `must be one of ${DURATION_ENCODINGS.join(', ')}`);
    }
    if (fal.durationEncoding === 'none' && entry.segmentDurations?.length !== 1) {
      at(
        'segmentDurations',
        'must list exactly the one length the model makes when fal.durationEncoding is "none"',
      );
    }
    if (
      fal.videoUrlPath !== undefined &&
      (typeof fal.videoUrlPath !== 'string' || !/^[\w]+(\.[\w]+)*$/.test(fal.videoUrlPath))
    ) {
      at('fal.videoUrlPath', 'must be a dotted path such as video.url');
    }
    for (const field of ['extra', 'extendExtra'] as const) {
      if (fal[field] !== undefined && !isObject(fal[field]))
        at(`fal.${field}`, 'must be an object of fixed fields');
    }
    if (fal.textToVideoAspectRatios !== undefined && !Array.isArray(fal.textToVideoAspectRatios)) {
      at('fal.textToVideoAspectRatios', 'must be a list of strings');
    }
  }
  if (entry.extend === 'native') {
    if (entry.provider !== 'fal' || !fal?.extendEndpoint) {
      at('extend', '"native" needs a fal model with fal.extendEndpoint (e.g. fal-ai/veo3.1/extend-video)');
    }
    const seconds = fal?.extendSeconds;
    if (!(typeof seconds === 'number' && Number.isInteger(seconds) && seconds > 0)) {
      at('fal.extendSeconds', 'must be the whole seconds one native extension adds (Veo 3.1: 7)');
    }
    if (!entry.kinds?.includes('image-to-video')) {
      at('kinds', 'a model that extends natively must also do image-to-video');
    }
  }
}

/** Replacements must name models of the catalog. Pure. */
export function replacementProblems(models: readonly ModelEntry[]): string[] {
  const names = new Set(models.map((m) => m.name));
  return models
    .filter((m) => m.lifecycle?.replacement !== undefined && !names.has(m.lifecycle.replacement))
    .map(
      (m) =>
        `model "${m.name}": lifecycle.replacement "${m.lifecycle.replacement}" is not a model of the catalog`,
    );
}

/** Every problem with an entry, as human-readable lines; empty when it is usable. Pure. */
export function validateEntry(entry: ModelEntry): string[] {
  const problems: string[] = [];
  const at = (field: string, problem: string) => problems.push(`model "${entry.name}": ${field} ${problem}`);
  if (!/^[a-z0-9][a-z0-9.\-_]{0,63}$/.test(entry.name)) at('name', 'must be 1-64 of a-z 0-9 . - _');
  if (!PROVIDERS.includes(entry.provider)) at('provider', `must be one of ${PROVIDERS.join(', ')}`);
  if (typeof entry.providerModel !== 'string' || !entry.providerModel) at('providerModel', 'is required');
  if (entry.provider === 'fal' && !/^[\w.-]+\/[\w.-]+(\/[\w./-]+)?$/.test(entry.providerModel ?? '')) {
    at('providerModel', 'must be a fal endpoint id such as fal-ai/veo3/image-to-video');
  }
  if (entry.provider === 'azure' && entry.azureApi !== 'videos' && entry.azureApi !== 'jobs') {
    at('azureApi', 'must be "videos" (Sora 2) or "jobs" (Sora 1 jobs API)');
  }
  if (
    !Array.isArray(entry.kinds) ||
    entry.kinds.length === 0 ||
    entry.kinds.some((k) => !GENERATION_KINDS.includes(k))
  ) {
    at('kinds', `must be a non-empty list of ${GENERATION_KINDS.join(', ')}`);
  }
  if (entry.provider === 'fal' && entry.kinds?.includes('text-to-video') && !entry.textToVideoModel) {
    at('textToVideoModel', 'is required for a fal model that does text-to-video');
  }
  if (entry.provider === 'local' && entry.kinds?.includes('text-to-video')) {
    at('kinds', 'local-motion animates an image; it cannot do text-to-video');
  }
  const durations = entry.segmentDurations;
  if (
    !Array.isArray(durations) ||
    durations.length === 0 ||
    durations.some((d, i) => !Number.isInteger(d) || d <= 0 || (i > 0 && d <= durations[i - 1]))
  ) {
    at('segmentDurations', 'must be positive whole seconds in ascending order');
  }
  for (const list of ['aspectRatios', 'resolutions', 'sizes'] as const) {
    const values = entry[list];
    if (values !== undefined && (!Array.isArray(values) || values.some((v) => typeof v !== 'string'))) {
      at(list, 'must be a list of strings');
    }
  }
  if (entry.sizes?.some((s) => !SIZE_PATTERN.test(s))) at('sizes', 'must look like 1280x720');
  if ((entry.provider === 'azure' || entry.provider === 'local') && !entry.sizes?.length) {
    at('sizes', 'must list at least one WIDTHxHEIGHT');
  }
  const defaults = entry.defaults ?? {};
  if (defaults.size && !entry.sizes?.includes(defaults.size)) at('defaults.size', 'must be one of sizes');
  if (defaults.resolution && !entry.resolutions?.includes(defaults.resolution)) {
    at('defaults.resolution', 'must be one of resolutions');
  }
  if (defaults.aspectRatio && !entry.aspectRatios?.includes(defaults.aspectRatio)) {
    at('defaults.aspectRatio', 'must be one of aspectRatios');
  }
  // The price rule (and so what a valid price is) lives with the rest of the money, in credits/.
  const priceProblem = priceRuleProblem(entry.price);
  if (priceProblem) problems.push(`model "${entry.name}": ${priceProblem}`);
  lineupProblems(entry, at);
  return problems;
}

/** The settings a model still needs on this server (empty: usable). Simulated mode needs none. Pure. */
export function missingSettings(entry: ModelEntry, config: ProvidersConfig): string[] {
  if (entry.provider === 'local' || config.mode === 'simulated') return [];
  if (entry.provider === 'fal') return config.fal.key ? [] : ['FAL_KEY'];
  const missing: string[] = [];
  if (!config.azure.endpoint) missing.push('AZURE_OPENAI_ENDPOINT');
  if (!config.azure.apiKey) missing.push('AZURE_OPENAI_API_KEY');
  return missing;
}

/** Reads the overrides named by the configuration (file, then JSON); throws a ConfigurationError. */
export function loadOverrides(
  config: Pick<ProvidersConfig, 'catalogFile' | 'catalogJson'>,
): CatalogOverrides[] {
  const layers: CatalogOverrides[] = [];
  if (config.catalogFile) {
    let text: string;
    try {
      text = readFileSync(config.catalogFile, 'utf8');
    } catch (error) {
      throw new ConfigurationError([
        `MODEL_CATALOG_FILE: cannot read ${config.catalogFile}: ${(error as Error).message}`,
      ]);
    }
    layers.push(parseOverrides(text, 'MODEL_CATALOG_FILE'));
  }
  if (config.catalogJson) layers.push(parseOverrides(config.catalogJson, 'MODEL_CATALOG_JSON'));
  return layers;
}

export function parseOverrides(text: string, source: string): CatalogOverrides {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigurationError([`${source}: not valid JSON (${(error as Error).message})`]);
  }
  if (!isObject(parsed) || Object.values(parsed).some((v) => v !== null && !isObject(v))) {
    throw new ConfigurationError([
      `${source}: must be an object of model name -> fields (or null to remove)`,
    ]);
  }
  return parsed as CatalogOverrides;
}

/** Builds the catalog for a configuration: defaults, the Azure deployment settings, then the overrides. */
export function buildCatalog(config: ProvidersConfig): ModelEntry[] {
  const azureDefaults: CatalogOverrides = {
    'sora-2': { providerModel: config.azure.soraDeployment, azureApi: config.azure.soraApi },
  };
  const models = mergeCatalog(DEFAULT_MODELS, azureDefaults, ...loadOverrides(config));
  const problems = [...models.flatMap(validateEntry), ...replacementProblems(models)];
  if (problems.length > 0) throw new ConfigurationError(problems);
  return models;
}

/** The model catalog of this server: which models exist, what they accept, what they cost, and whether they are usable. */
@Injectable()
export class ModelCatalog {
  private readonly models: ReadonlyMap<string, ModelEntry>;

  constructor(@Inject(AppConfig) private readonly config: AppConfig) {
    this.models = new Map(buildCatalog(config.providers).map((m) => [m.name, m]));
  }

  list(): ModelEntry[] {
    return [...this.models.values()];
  }

  find(name: string): ModelEntry | undefined {
    return this.models.get(name);
  }

  /** Names of the models that are not retired, for error messages. */
  usableNames(): string[] {
    return [...this.models.values()].filter((m) => m.lifecycle.status !== 'retired').map((m) => m.name);
  }

  availability(entry: ModelEntry): ModelAvailability {
    const missing = missingSettings(entry, this.config.providers);
    return { available: missing.length === 0, missingSettings: missing };
  }

  /**
   * The entry for a request, or a 400 that says exactly why not: an unknown model (a typo reads like any
   * other bad field), a kind the model does not do, or a setting missing on this server.
   * The pipeline calls this before charging anything.
   */
  requireUsable(name: string, kind?: GenerationKind): ModelEntry {
    const entry = this.models.get(name);
    if (!entry) {
      throw new InvalidRequestError(
        `Unknown model "${name}". Available models: ${this.usableNames().join(', ')}`,
      );
    }
    if (entry.lifecycle.status === 'retired') {
      const instead = entry.lifecycle.replacement
        ? `use "${entry.lifecycle.replacement}" instead`
        : `choose another model: ${this.usableNames().join(', ')}`;
      const when = entry.lifecycle.sunsetAt ? ` on ${entry.lifecycle.sunsetAt.slice(0, 10)}` : '';
      throw new InvalidRequestError(
        `Model "${name}" was retired${when}; ${instead}. Nothing was charged.` +
          (entry.lifecycle.note ? ` (${entry.lifecycle.note})` : ''),
      );
    }
    if (kind && !entry.kinds.includes(kind)) {
      throw new InvalidRequestError(
        `Model "${name}" does not do ${kind} (it does ${entry.kinds.join(', ')})`,
      );
    }
    const missing = missingSettings(entry, this.config.providers);
    if (missing.length > 0) {
      throw new InvalidRequestError(
        `Model "${name}" is not configured on this server: set ${missing.join(' and ')}`,
      );
    }
    return entry;
  }
}

function normaliseEntry(raw: Record<string, unknown>): ModelEntry {
  // Operator entries written before lifecycles existed stay valid: active, extended from the last frame.
  const entry = {
    defaults: {},
    lifecycle: { status: 'active' },
    extend: 'last-frame',
    ...(raw.provider === 'local' ? { vendor: 'local' } : {}),
    ...raw,
  } as unknown as ModelEntry;
  const price = raw.price as { credits?: unknown } | undefined;
  if (price && typeof price.credits === 'number' && Number.isFinite(price.credits)) {
    entry.price = { ...entry.price, credits: new Decimal(price.credits).toString() };
  }
  return entry;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
