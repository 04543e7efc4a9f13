import { runProcess } from './ffmpeg.runner.js';
import { MediaError } from './media.error.js';

// Real processes, real ffmpeg: an endless lavfi source stands in for a long job.
const endless = ['-hide_banner', '-nostdin', '-re', '-f', 'lavfi', '-i', 'testsrc2', '-f', 'null', '-'];

async function failure(promise: Promise<unknown>): Promise<MediaError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(MediaError);
  return error as MediaError;
}

describe('runProcess', () => {
  it('returns stdout when asked', async () => {
    const { stdout } = await runProcess('ffmpeg', ['-hide_banner', '-version'], {
      timeoutMs: 10_000,
      captureStdout: true,
    });
    expect(stdout.toString()).toMatch(/^ffmpeg version/);
  });

  it('kills a run that takes longer than its timeout', async () => {
    const started = Date.now();
    const error = await failure(runProcess('ffmpeg', endless, { timeoutMs: 300 }));
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toMatch(/ffmpeg \(testsrc2\) timed out after 300 ms/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('kills a run when the caller aborts, and refuses to start an aborted one', async () => {
    const controller = new AbortController();
    const running = runProcess('ffmpeg', endless, { timeoutMs: 60_000, signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    expect((await failure(running)).code).toBe('ABORTED');
    expect(
      (await failure(runProcess('ffmpeg', ['-version'], { timeoutMs: 1000, signal: controller.signal })))
        .code,
    ).toBe('ABORTED');
  });

  it("explains a failure with ffmpeg's own words", async () => {
    const error = await failure(
      runProcess('ffmpeg', ['-hide_banner', '-v', 'error', '-i', '/nonexistent/in.mp4', '-f', 'null', '-'], {
        timeoutMs: 10_000,
      }),
    );
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toMatch(/^ffmpeg \(in\.mp4\) failed \(exit 1\): .*No such file or directory/);
    expect(error.details.exitCode).toBe(1);
    expect(error.details.stderr).toMatch(/No such file/);
  });

  it('reports a binary that does not exist', async () => {
    const error = await failure(runProcess('/nonexistent/ffmpeg', ['-version'], { timeoutMs: 1000 }));
    expect(error.code).toBe('UNAVAILABLE');
    expect(error.message).toMatch(/ffmpeg not found at "\/nonexistent\/ffmpeg"/);
  });

  it('feeds stdin', async () => {
    const { stdout } = await runProcess(
      'ffmpeg',
      [
        '-hide_banner',
        '-v',
        'error',
        '-f',
        'rawvideo',
        '-pix_fmt',
        'gray',
        '-s',
        '2x2',
        '-i',
        'pipe:0',
        '-f',
        'rawvideo',
        '-',
      ],
      { timeoutMs: 10_000, stdin: Buffer.from([1, 2, 3, 4]), captureStdout: true },
    );
    expect([...stdout]).toEqual([1, 2, 3, 4]);
  });
});
