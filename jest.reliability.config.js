// `npm run test:reliability`: the fault and crash harness (test/reliability), on PostgreSQL, one scenario file
// at a time (they start worker processes and load the machine on purpose).
import base from './jest.config.js';

export default {
  ...base,
  testMatch: ['<rootDir>/test/reliability/**/*.reliability-spec.ts'],
  testTimeout: 600_000,
  maxWorkers: 1,
};
