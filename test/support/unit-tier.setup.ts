// The unit tier's promise, enforced: a *.unit.spec.ts that opens a connection (database, S3, HTTP) or starts a
// process (ffmpeg) fails at once with a message saying where it belongs, instead of slowing the tier down.
import { ChildProcess } from 'node:child_process';
import { Socket } from 'node:net';

const refuse = (what: string) => () => {
  throw new Error(
    `${what} in the unit tier: *.unit.spec.ts files use pure code and in-memory fakes only. ` +
      'Name this spec *.spec.ts (it then runs in `npm test`).',
  );
};

Socket.prototype.connect = refuse('a network connection') as never;
// child_process.spawn/exec/fork all go through ChildProcess#spawn (not in the public typings).
(ChildProcess.prototype as unknown as { spawn: unknown }).spawn = refuse('a child process');
