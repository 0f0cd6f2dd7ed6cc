import type { Config } from 'jest';

// ts-jest with type-checking off in the transform: `npm run typecheck` is the type gate,
// so the test run spends its time on tests, not on compiling the project once per worker.
const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/model', '<rootDir>/impl', '<rootDir>/properties', '<rootDir>/reports', '<rootDir>/cli', '<rootDir>/bench', '<rootDir>/real'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 120000,
};

export default config;
