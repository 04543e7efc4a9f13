// `npm run test:unit`: the fast tier. Pure code and in-memory fakes only: no database, no ffmpeg, no network,
// no child processes. Convention: a spec that needs none of those is named `*.unit.spec.ts`; everything else
// stays `*.spec.ts` / `*.e2e-spec.ts`. `npm test` runs both tiers (the full suite CI runs).
import base from './jest.config.js';

export default {
  ...base,
  testMatch: ['<rootDir>/src/**/*.unit.spec.ts', '<rootDir>/test/**/*.unit.spec.ts'],
  setupFiles: [...base.setupFiles, '<rootDir>/test/support/unit-tier.setup.ts'],
  testTimeout: 10_000,
};
