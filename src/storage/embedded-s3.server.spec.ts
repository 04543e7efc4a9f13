import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedS3Server } from './embedded-s3.server.js';

describe('embedded S3 port', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vg-s3port-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const start = () =>
    EmbeddedS3Server.start({
      directory: join(dir, 's3'),
      portFile: join(dir, 'embedded-s3.port'),
      bucket: 'b',
    });

  it('keeps one port across restarts, stored in DATA_DIR', async () => {
    const first = await start();
    const port = first.port;
    await first.stop();
    expect((await readFile(join(dir, 'embedded-s3.port'), 'utf8')).trim()).toBe(String(port));
    const second = await start();
    try {
      expect(second.port).toBe(port);
    } finally {
      await second.stop();
    }
  });

  it('picks and stores a new port when the stored one is taken', async () => {
    const first = await start();
    const port = first.port;
    await first.stop();
    const squatter: Server = createServer();
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
    try {
      const second = await start();
      try {
        expect(second.port).not.toBe(port);
        expect((await readFile(join(dir, 'embedded-s3.port'), 'utf8')).trim()).toBe(String(second.port));
      } finally {
        await second.stop();
      }
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });
});
