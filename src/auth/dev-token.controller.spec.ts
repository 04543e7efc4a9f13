import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NotFoundException } from '@nestjs/common';
import { loadConfig } from '../config/app-config.js';
import { DevTokenController } from './dev-token.controller.js';

describe('DevTokenController', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'vg-dev-token-'));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it.each([
    ['JWT_SECRET is set', { JWT_SECRET: 'a-shared-secret-of-at-least-32-characters' }],
    ['JWT_JWKS_URL is set', { JWT_JWKS_URL: 'https://idp.example.com/.well-known/jwks.json' }],
    [
      'in production',
      {
        NODE_ENV: 'production',
        DATABASE_URL: 'postgresql://db/videogen',
        S3_BUCKET: 'videos',
        JWT_SECRET: 'a-shared-secret-of-at-least-32-characters',
      },
    ],
  ])('is a 404 when %s, whatever the body', async (_case, env) => {
    const controller = new DevTokenController(loadConfig({ DATA_DIR: dataDir, ...env }));
    await expect(controller.issue({ sub: 'dora' })).rejects.toBeInstanceOf(NotFoundException);
    await expect(controller.issue({ sub: '../x' })).rejects.toBeInstanceOf(NotFoundException);
  });

  it('issues a token in zero-config development', async () => {
    const controller = new DevTokenController(loadConfig({ DATA_DIR: dataDir }));
    const answer = await controller.issue({ sub: 'dora' });
    expect(answer.token.split('.')).toHaveLength(3);
  });
});
