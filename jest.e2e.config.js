// End-to-end tests on live containers: the debian images are built once before any file starts,
// then the files run side by side (each lab has its own compose project, see test/helpers/live.ts).
import base from './jest.config.js';

export default {
  ...base,
  testMatch: ['<rootDir>/test/e2e/**/*.test.ts', '<rootDir>/test/browser/**/*.test.ts'],
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  // Live tests wait on containers; a stuck one must not hold the run past CI's limit.
  testTimeout: 600_000,
};
