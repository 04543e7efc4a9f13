import request from 'supertest';
import { startTestApp, TestApp } from './support/test-app.js';

type Schema = { $ref?: string; type?: string; items?: Schema; properties?: Record<string, Schema> };
type Operation = {
  security?: unknown[];
  responses: Record<string, { description?: string; content?: Record<string, { schema: Schema }> }>;
};
type Document = {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema & { required?: string[] }> };
};

// The OpenAPI document a client generator or a front end reads: errors and response bodies must be in it.
describe('OpenAPI document (/docs-json)', () => {
  let t: TestApp;
  let doc: Document;

  beforeAll(async () => {
    t = await startTestApp();
    doc = (await request(t.http).get('/docs-json').expect(200)).body as Document;
  });
  afterAll(() => t.close());

  const operation = (method: string, path: string) => {
    const found = doc.paths[path]?.[method];
    if (!found) throw new Error(`${method.toUpperCase()} ${path} is not documented`);
    return found;
  };
  const schemaOf = (op: Operation, status: string, type = 'application/json') =>
    op.responses[status]?.content?.[type]?.schema;
  const resolve = (schema: Schema | undefined): Schema | undefined =>
    schema?.$ref ? doc.components.schemas[schema.$ref.replace('#/components/schemas/', '')] : schema;

  it('describes the error body once, with statusCode, message and error in that order', () => {
    const error = doc.components.schemas.ErrorResponseDto;
    expect(Object.keys(error.properties ?? {})).toEqual(['statusCode', 'message', 'error', 'errorId']);
    expect(error.required).toEqual(['statusCode', 'message', 'error']);
  });

  it('documents the errors of POST /video-gen/generations with the error schema', () => {
    const create = operation('post', '/video-gen/generations');
    for (const status of ['400', '401', '403', '409', '429', '503']) {
      expect(schemaOf(create, status)).toEqual({ $ref: '#/components/schemas/ErrorResponseDto' });
      expect(create.responses[status].description).toEqual(expect.any(String));
    }
  });

  it('documents 401 and 429 on every route that takes a bearer token, and only the error schema for 4xx/5xx', () => {
    const missing: string[] = [];
    expect(Object.keys(doc.paths).length).toBeGreaterThan(15);
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        for (const [status, response] of Object.entries(op.responses)) {
          if (Number(status) >= 400 && path !== '/health/ready') {
            expect([path, method, status, response.content?.['application/json']?.schema]).toEqual([
              path,
              method,
              status,
              { $ref: '#/components/schemas/ErrorResponseDto' },
            ]);
          }
        }
        if (op.security && path !== '/metrics') {
          for (const status of ['401', '429']) {
            if (!op.responses[status]) missing.push(`${method.toUpperCase()} ${path} ${status}`);
          }
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('documents the upload limits: 411, 413 and 415', () => {
    const upload = operation('post', '/uploads/images');
    expect(Object.keys(upload.responses)).toEqual(
      expect.arrayContaining(['201', '400', '411', '413', '415']),
    );
  });

  it('gives GET /video-gen/models a response schema: the model list', () => {
    const list = resolve(schemaOf(operation('get', '/video-gen/models'), '200'));
    expect(list?.properties?.models).toEqual({
      type: 'array',
      items: { $ref: '#/components/schemas/ModelView' },
    });
    expect(Object.keys(doc.components.schemas.ModelView.properties ?? {})).toEqual(
      expect.arrayContaining(['name', 'kinds', 'segmentDurations', 'price', 'features', 'available']),
    );
  });

  it('documents every field a model entry carries: vendor, lifecycle, extend, prompt limit and source', () => {
    const model = doc.components.schemas.ModelView;
    expect(Object.keys(model.properties ?? {})).toEqual(
      expect.arrayContaining([
        'vendor',
        'textToVideoModel',
        'lifecycle',
        'extend',
        'extendSeconds',
        'maxPromptLength',
        'source',
      ]),
    );
    expect(model.required).toEqual(expect.arrayContaining(['vendor', 'lifecycle', 'extend']));
    const lifecycle = resolve(model.properties?.lifecycle as Schema);
    expect(Object.keys(lifecycle?.properties ?? {})).toEqual(
      expect.arrayContaining(['status', 'deprecatedAt', 'sunsetAt', 'replacement']),
    );
  });

  it('gives the list, cancel and events endpoints response schemas', () => {
    const page = resolve(schemaOf(operation('get', '/video-gen/generations'), '200'));
    expect(page?.properties?.items).toEqual({
      type: 'array',
      items: { $ref: '#/components/schemas/GenerationView' },
      description: 'Newest first',
    });
    expect(page?.properties?.nextCursor).toMatchObject({ type: 'string', nullable: true });

    const cancel = operation('post', '/video-gen/generations/{id}/cancel');
    expect(schemaOf(cancel, '200')).toEqual({ $ref: '#/components/schemas/GenerationView' });
    expect(Object.keys(cancel.responses)).toEqual(expect.arrayContaining(['404', '409']));

    const events = operation('get', '/video-gen/generations/{id}/events');
    expect(schemaOf(events, '200', 'text/event-stream')).toMatchObject({ type: 'string' });
    expect(events.responses['200'].description).toContain('GenerationView');
    expect(Object.keys(events.responses)).toEqual(expect.arrayContaining(['401', '404', '429']));
  });
});
