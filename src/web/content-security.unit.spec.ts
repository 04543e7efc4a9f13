import { bucketOrigin, contentSecurityDirectives } from './content-security.js';

describe('content security policy for the page', () => {
  const directives = contentSecurityDirectives('http://127.0.0.1:4569');

  it('lets the page load, show and upload to the bucket origin and nothing else', () => {
    expect(directives.imgSrc).toEqual(["'self'", 'data:', 'blob:', 'http://127.0.0.1:4569']);
    expect(directives.mediaSrc).toEqual(["'self'", 'blob:', 'http://127.0.0.1:4569']);
    expect(directives.connectSrc).toEqual(["'self'", 'http://127.0.0.1:4569']);
  });

  it('runs only same-origin scripts', () => {
    expect(directives.scriptSrc).toEqual(["'self'"]);
  });

  it('finds the bucket origin the way the S3 client builds presigned URLs', () => {
    const base = { bucket: 'videos', region: 'eu-west-1', forcePathStyle: false };
    expect(bucketOrigin(base)).toBe('https://videos.s3.eu-west-1.amazonaws.com');
    expect(bucketOrigin({ ...base, bucket: 'my.videos' })).toBe('https://s3.eu-west-1.amazonaws.com');
    expect(bucketOrigin({ ...base, endpoint: 'http://127.0.0.1:4569', forcePathStyle: true })).toBe(
      'http://127.0.0.1:4569',
    );
    expect(bucketOrigin({ ...base, endpoint: 'https://acct.r2.cloudflarestorage.com/' })).toBe(
      'https://videos.acct.r2.cloudflarestorage.com',
    );
  });
});
