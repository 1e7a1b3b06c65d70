// Jest runs the TypeScript sources as native ES modules (node --experimental-vm-modules),
// transformed by swc; type checking is tsc's job (npm run typecheck).
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'es6' } }],
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/test/unit/**/*.test.ts', '<rootDir>/test/cli/**/*.test.ts'],
  testTimeout: 30000,
};
