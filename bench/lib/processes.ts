import { resolve } from 'node:path';
import { ServiceProcess } from '../../test/support/service-process.js';

export { freePort, ServiceProcess, sleep } from '../../test/support/service-process.js';

/** The service, as built into .bench/ by `npm run bench` (swc, like `npm run build`). */
export const SERVICE_MAIN = resolve('.bench/src/main.js');

/** A service process from the benchmark's build. */
export function startService(env: Record<string, string>, port: number): Promise<ServiceProcess> {
  return ServiceProcess.start(env, { port, script: SERVICE_MAIN });
}
