import type { ModelEntry } from './model-catalog.types.js';

/**
 * The headers a response for a deprecated model carries: `Deprecation` (RFC 9745, `@<unix seconds>`),
 * `Sunset` (RFC 8594, an HTTP-date) and a `Link` to the replacement with rel="successor-version". Empty for
 * an active model. Pure.
 */
export function lifecycleHeaders(entry: Pick<ModelEntry, 'lifecycle'> | undefined): Record<string, string> {
  const lifecycle = entry?.lifecycle;
  if (!lifecycle || lifecycle.status !== 'deprecated') return {};
  const headers: Record<string, string> = {};
  const deprecatedAt = lifecycle.deprecatedAt ? Date.parse(lifecycle.deprecatedAt) : NaN;
  // RFC 9745 wants the moment of deprecation; "deprecated" without a date is reported as of now.
  headers.Deprecation = `@${Math.floor((Number.isNaN(deprecatedAt) ? Date.now() : deprecatedAt) / 1000)}`;
  const sunsetAt = lifecycle.sunsetAt ? Date.parse(lifecycle.sunsetAt) : NaN;
  if (!Number.isNaN(sunsetAt)) headers.Sunset = new Date(sunsetAt).toUTCString();
  if (lifecycle.replacement) {
    headers.Link = `</video-gen/models#${encodeURIComponent(lifecycle.replacement)}>; rel="successor-version"`;
  }
  return headers;
}
