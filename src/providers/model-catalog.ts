import { readFileSync } from 'node:fs';
import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import { AppConfig, ProvidersConfig } from '../config/app-config.js';
import { ConfigurationError } from '../config/environment.js';
import { Decimal } from '../credits/credit-amount.js';
import { priceRuleProblem } from '../credits/pricing.js';
import { DEFAULT_MODELS } from './model-catalog.defaults.js';
import { GENERATION_KINDS, GenerationKind, ModelAvailability, ModelEntry } from './model-catalog.types.js';

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
      for (const nested of ['price', 'features', 'defaults']) {
        if (isObject(current[nested]) && isObject(override[nested])) {
          merged[nested] = { ...current[nested], ...override[nested] };
        }
      }
      models.set(name, merged);
    }
  }
  return [...models.values()].map((raw) => normaliseEntry(raw));
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
  const problems = models.flatMap(validateEntry);
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
      throw new BadRequestException(
        `Unknown model "${name}". Available models: ${[...this.models.keys()].join(', ')}`,
      );
    }
    if (kind && !entry.kinds.includes(kind)) {
      throw new BadRequestException(
        `Model "${name}" does not do ${kind} (it does ${entry.kinds.join(', ')})`,
      );
    }
    const missing = missingSettings(entry, this.config.providers);
    if (missing.length > 0) {
      throw new BadRequestException(
        `Model "${name}" is not configured on this server: set ${missing.join(' and ')}`,
      );
    }
    return entry;
  }
}

function normaliseEntry(raw: Record<string, unknown>): ModelEntry {
  const entry = { defaults: {}, ...raw } as unknown as ModelEntry;
  const price = raw.price as { credits?: unknown } | undefined;
  if (price && typeof price.credits === 'number' && Number.isFinite(price.credits)) {
    entry.price = { ...entry.price, credits: new Decimal(price.credits).toString() };
  }
  return entry;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
