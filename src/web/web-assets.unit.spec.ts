import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assetCacheControl, renderAssetLinks, renderIndex, WEB_PUBLIC_DIR } from './web-assets.js';

describe('the page’s assets', () => {
  const files = new Map([['app.js', { hash: 'abc123' }]]);

  it('links known assets with their content hash', () => {
    expect(
      renderAssetLinks('<script src="{{asset:app.js}}"></script><link href="{{asset:x.css}}">', files),
    ).toBe('<script src="/assets/app.js?v=abc123"></script><link href="/assets/x.css">');
  });

  it('offers the development sign-in only when asked to', () => {
    expect(renderIndex('<body data-dev-signin="{{devSignIn}}">', { devSignIn: true })).toContain('"true"');
    expect(renderIndex('<body data-dev-signin="{{devSignIn}}">', { devSignIn: false })).toContain('"false"');
  });

  it('caches only the exact version for good', () => {
    expect(assetCacheControl({ hash: 'abc123' }, 'abc123')).toBe('public, max-age=31536000, immutable');
    expect(assetCacheControl({ hash: 'abc123' }, 'old')).toBe('no-cache');
    expect(assetCacheControl({ hash: 'abc123' }, undefined)).toBe('no-cache');
  });
});

describe('the page’s imports', () => {
  // The browser loads only the files in public/: anything else (the API contract) may be imported for its types
  // only, which the build erases. A value import from outside would compile and then fail in the browser.
  const sources = readdirSync(WEB_PUBLIC_DIR).filter(
    (name) => name.endsWith('.ts') && !name.includes('.spec.'),
  );

  it.each(sources)('%s imports from outside public/ with `import type` / `export type` only', (name) => {
    const text = readFileSync(join(WEB_PUBLIC_DIR, name), 'utf8');
    const statements = [...text.matchAll(/^(import|export)\b([^;]*?)\bfrom\s+'([^']+)'/gms)];
    const sideEffects = [...text.matchAll(/^import\s+'([^']+)'/gm)].map((m) => m[1]);
    const outside = statements.filter(([, , , from]) => !from.startsWith('./'));
    const valueImports = outside.filter(([, , clause]) => !/^\s+type\s/.test(clause)).map((m) => m[3]);
    expect([...valueImports, ...sideEffects.filter((from) => !from.startsWith('./'))]).toEqual([]);
    expect(statements.length).toBeGreaterThan(0);
  });

  it('sees the page’s type-only import of the API contract', () => {
    const text = readFileSync(join(WEB_PUBLIC_DIR, 'page-logic.ts'), 'utf8');
    expect(text).toMatch(/^import type \{[^}]*\} from '\.\.\/\.\.\/common\/api-contract\.js';/m);
  });
});
