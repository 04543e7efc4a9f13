import { ConfigurationError, type Environment } from './environment.js';

export const DEFAULT_SERVICE_URL = 'http://localhost:3000';

/** What the `video-gen` command line needs to talk to a running service: the user's shell, not the service's. */
export interface ClientConfig {
  /** Base URL without a trailing slash. */
  serviceUrl: string;
  /** Bearer token (JWT); undefined when VIDEO_GEN_TOKEN is not set. */
  token?: string;
}

/** VIDEO_GEN_URL (default http://localhost:3000) and VIDEO_GEN_TOKEN. */
export function loadClientConfig(env: Environment = process.env): ClientConfig {
  const rawUrl = env.VIDEO_GEN_URL?.trim() || DEFAULT_SERVICE_URL;
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    url = new URL('invalid:');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigurationError([
      `VIDEO_GEN_URL=${JSON.stringify(rawUrl)}: must be an http(s) URL such as ${DEFAULT_SERVICE_URL}`,
    ]);
  }
  // A token pasted together with its scheme ("Bearer eyJ...") is still the token.
  const token = env.VIDEO_GEN_TOKEN?.trim().replace(/^Bearer\s+/i, '') || undefined;
  return { serviceUrl: url.toString().replace(/\/+$/, ''), token };
}
