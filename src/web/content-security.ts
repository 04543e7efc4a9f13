/**
 * Helmet's Content-Security-Policy directives (merged over its defaults). The page's own scripts and styles
 * come from this origin only; images, videos and uploads go to and come from the bucket's origin, which
 * differs from the API's (the embedded s3rver listens on a port of its own).
 */
export function contentSecurityDirectives(bucketOrigin: string): Record<string, string[] | null> {
  return {
    // TLS ends at the proxy in front; upgrading sub-requests would break /docs served over plain HTTP.
    upgradeInsecureRequests: null,
    scriptSrc: ["'self'"],
    // blob: for the preview of an image before it is uploaded.
    imgSrc: ["'self'", 'data:', 'blob:', bucketOrigin],
    mediaSrc: ["'self'", 'blob:', bucketOrigin],
    connectSrc: ["'self'", bucketOrigin],
  };
}

/**
 * The scheme, host and port presigned URLs point at, worked out as the S3 client does (path-style: the
 * endpoint; virtual-hosted: the bucket as a subdomain). Pure, so no credentials are looked up at start.
 */
export function bucketOrigin(storage: {
  bucket: string;
  region: string;
  endpoint?: string;
  forcePathStyle: boolean;
}): string {
  // The SDK falls back to path-style for names that cannot be a DNS label (dots break TLS wildcards).
  const virtualHosted = !storage.forcePathStyle && /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(storage.bucket);
  const endpoint = new URL(storage.endpoint ?? `https://s3.${storage.region}.amazonaws.com`);
  if (virtualHosted) endpoint.hostname = `${storage.bucket}.${endpoint.hostname}`;
  return endpoint.origin;
}
