import { MULTIPART_FRAMING_BYTES, requestSizeProblem } from './request-size.middleware.js';

const limits = { bodyLimitBytes: 1000, maxImageBytes: 5000 };
const problem = (method: string, path: string, contentLength?: string) => {
  const found = requestSizeProblem(
    { method, path, headers: contentLength === undefined ? {} : { 'content-length': contentLength } },
    limits,
  );
  return found && { status: found.getStatus(), message: found.message };
};

describe('requestSizeProblem', () => {
  it('lets an upload through up to MAX_IMAGE_BYTES plus the multipart framing', () => {
    expect(problem('POST', '/uploads/images', '0')).toBeNull();
    expect(problem('POST', '/uploads/images', String(5000 + MULTIPART_FRAMING_BYTES))).toBeNull();
  });

  it('refuses a larger declared upload with 413, on every spelling Express routes to the upload', () => {
    const over = String(5000 + MULTIPART_FRAMING_BYTES + 1);
    for (const path of ['/uploads/images', '/uploads/images/', '/Uploads/IMAGES']) {
      expect(problem('POST', path, over)).toEqual({
        status: 413,
        message: `Images may be at most 5000 bytes (MAX_IMAGE_BYTES); this upload declares ${over} bytes`,
      });
    }
    expect(problem('POST', '/uploads/images', '1000000000')?.status).toBe(413);
  });

  it('requires uploads to declare their length (411), since a chunked body has no size to check', () => {
    expect(problem('POST', '/uploads/images')).toEqual({
      status: 411,
      message:
        'Send the upload with a Content-Length header: multipart/form-data of a known size, not chunked',
    });
  });

  it('holds every other body to BODY_LIMIT_BYTES', () => {
    expect(problem('POST', '/video-gen/generations', '1000')).toBeNull();
    expect(problem('POST', '/video-gen/generations')).toBeNull();
    expect(problem('POST', '/uploads/images/presign', '1001')).toEqual({
      status: 413,
      message: 'Request bodies may be at most 1000 bytes (BODY_LIMIT_BYTES); this one declares 1001 bytes',
    });
    expect(problem('GET', '/uploads/images', '6000')?.status).toBe(413);
  });
});
