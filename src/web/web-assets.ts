import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The page's files: HTML and CSS copied, TypeScript compiled to JavaScript by `npm run build` (swc). */
export const WEB_PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json; charset=utf-8',
};

/** Injection token for the loaded WebAssets. */
export const WEB_ASSETS = Symbol('WebAssets');

export interface WebAsset {
  body: Buffer;
  contentType: string;
  /** Short content hash: the `?v=` the page links with, and the ETag. */
  hash: string;
}

export interface WebAssets {
  files: Map<string, WebAsset>;
  /** index.html with `{{asset:name}}` replaced by versioned URLs; `{{devSignIn}}` is left for each request. */
  indexHtml: string;
}

/** Reads the page's files once at start; they are small and change only with a new build. */
export async function loadWebAssets(dir = WEB_PUBLIC_DIR): Promise<WebAssets> {
  const files = new Map<string, WebAsset>();
  for (const name of await readdir(dir)) {
    const contentType = CONTENT_TYPES[extname(name)];
    // Specs are compiled next to the page's modules; they are not part of it.
    if (!contentType || name.includes('.spec.')) continue;
    const body = await readFile(join(dir, name));
    files.set(name, {
      body,
      contentType,
      hash: createHash('sha256').update(body).digest('hex').slice(0, 16),
    });
  }
  const template = await readFile(join(dir, 'index.html'), 'utf8');
  return { files, indexHtml: renderAssetLinks(template, files) };
}

/** `{{asset:app.js}}` becomes `/assets/app.js?v=<hash>`, so a new build is fetched at once and an old one cached for good. */
export function renderAssetLinks(template: string, files: Map<string, { hash: string }>): string {
  return template.replace(/\{\{asset:([\w.-]+)\}\}/g, (_match, name: string) => {
    const file = files.get(name);
    return file ? `/assets/${name}?v=${file.hash}` : `/assets/${name}`;
  });
}

/** The page reads this to decide whether to offer the development sign-in. */
export function renderIndex(indexHtml: string, options: { devSignIn: boolean }): string {
  return indexHtml.replace('{{devSignIn}}', options.devSignIn ? 'true' : 'false');
}

/** Immutable when the URL names this exact content; otherwise revalidated every time. */
export function assetCacheControl(asset: { hash: string }, requestedVersion: string | undefined): string {
  return requestedVersion === asset.hash ? 'public, max-age=31536000, immutable' : 'no-cache';
}
