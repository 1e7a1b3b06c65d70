// End-to-end tests on live containers: the debian images are built once before any file starts,
// then the files run one at a time. Two labs side by side on a two-core machine starve each
// other: probes with 1-2 s timeouts then measure the machine, not the lab (CI saw 20 s of
// timeouts in a lab that was not broken).
import base from './jest.config.js';

export default {
  ...base,
  testMatch: ['<rootDir>/test/e2e/**/*.test.ts', '<rootDir>/test/browser/**/*.test.ts'],
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  // Live tests wait on containers; a stuck one must not hold the run past CI's limit.
  testTimeout: 600_000,
};
