/**
 * The bucket CORS rule a browser needs for this service's page: a direct PUT of an image to a presigned URL,
 * and GET (with Range, for `<video>` seeking) of presigned videos and thumbnails. The embedded s3rver gets it at
 * start; for S3 the README prints the same rule as JSON for `aws s3api put-bucket-cors`.
 */
export interface BucketCorsRule {
  allowedOrigins: string[];
  allowedMethods: string[];
  allowedHeaders: string[];
  exposeHeaders: string[];
  maxAgeSeconds: number;
}

/** `origins` are CORS_ORIGINS; unset (development) means any origin, as for the API itself. */
export function bucketCorsRule(origins: string[] | undefined): BucketCorsRule {
  return {
    allowedOrigins: origins && origins.length > 0 ? origins : ['*'],
    allowedMethods: ['GET', 'HEAD', 'PUT'],
    // Content-Type and Content-Length are signed into the presigned PUT; Range is sent by <video>.
    allowedHeaders: ['*'],
    exposeHeaders: ['ETag', 'Content-Length', 'Content-Range', 'Accept-Ranges'],
    maxAgeSeconds: 600,
  };
}

const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** S3's PutBucketCors XML document (what s3rver's `configureBuckets` reads). */
export function bucketCorsXml(rule: BucketCorsRule): string {
  const tags = (name: string, values: string[]) =>
    values.map((value) => `<${name}>${escapeXml(value)}</${name}>`).join('');
  return (
    '<CORSConfiguration><CORSRule>' +
    tags('AllowedOrigin', rule.allowedOrigins) +
    tags('AllowedMethod', rule.allowedMethods) +
    tags('AllowedHeader', rule.allowedHeaders) +
    tags('ExposeHeader', rule.exposeHeaders) +
    `<MaxAgeSeconds>${rule.maxAgeSeconds}</MaxAgeSeconds>` +
    '</CORSRule></CORSConfiguration>'
  );
}

/** The same rule as `aws s3api put-bucket-cors --cors-configuration` JSON. */
export function bucketCorsJson(rule: BucketCorsRule): string {
  return JSON.stringify(
    {
      CORSRules: [
        {
          AllowedOrigins: rule.allowedOrigins,
          AllowedMethods: rule.allowedMethods,
          AllowedHeaders: rule.allowedHeaders,
          ExposeHeaders: rule.exposeHeaders,
          MaxAgeSeconds: rule.maxAgeSeconds,
        },
      ],
    },
    null,
    2,
  );
}
