// `node --import ./test/support/register-ts.mjs some-script.ts`: runs the TypeScript sources directly in a
// child process (the multi-process job tests), compiled on load by swc exactly as jest and the build do.
import { register } from 'node:module';

register('./ts-loader-hooks.mjs', import.meta.url);
