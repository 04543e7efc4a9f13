import { assetCacheControl, renderAssetLinks, renderIndex } from './web-assets.js';

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
