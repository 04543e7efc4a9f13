import { bucketCorsJson, bucketCorsRule, bucketCorsXml } from './bucket-cors.js';

describe('bucket CORS rule', () => {
  it('allows any origin when CORS_ORIGINS is unset, only the listed ones otherwise', () => {
    expect(bucketCorsRule(undefined).allowedOrigins).toEqual(['*']);
    expect(bucketCorsRule([]).allowedOrigins).toEqual(['*']);
    expect(bucketCorsRule(['https://app.example.com']).allowedOrigins).toEqual(['https://app.example.com']);
  });

  it('lets a browser PUT an upload and GET a video by range, and read the headers it needs', () => {
    const rule = bucketCorsRule(undefined);
    expect(rule.allowedMethods).toEqual(expect.arrayContaining(['GET', 'HEAD', 'PUT']));
    expect(rule.allowedMethods).not.toContain('DELETE');
    expect(rule.exposeHeaders).toEqual(expect.arrayContaining(['ETag', 'Content-Range', 'Accept-Ranges']));
  });

  it('writes S3 XML with every value escaped', () => {
    const xml = bucketCorsXml(bucketCorsRule(['https://a.example.com?x=1&y=<2>']));
    expect(xml).toMatch(/^<CORSConfiguration><CORSRule>/);
    expect(xml).toContain('<AllowedOrigin>https://a.example.com?x=1&amp;y=&lt;2&gt;</AllowedOrigin>');
    expect(xml).toContain('<AllowedMethod>PUT</AllowedMethod>');
    expect(xml).toContain('<MaxAgeSeconds>600</MaxAgeSeconds>');
  });

  it('writes the JSON aws s3api put-bucket-cors reads', () => {
    const json = JSON.parse(bucketCorsJson(bucketCorsRule(['http://localhost:3000'])));
    expect(json.CORSRules[0]).toMatchObject({
      AllowedOrigins: ['http://localhost:3000'],
      AllowedMethods: ['GET', 'HEAD', 'PUT'],
      AllowedHeaders: ['*'],
    });
  });
});
