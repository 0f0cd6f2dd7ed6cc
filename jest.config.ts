import type { Config } from 'jest';

// ts-jest with type-checking off in the transform: `npm run typecheck` is the type gate,
// so the test run spends its time on tests, not on compiling the project once per worker.
const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/model', '<rootDir>/impl', '<rootDir>/properties', '<rootDir>/reports', '<rootDir>/cli', '<rootDir>/bench', '<rootDir>/real'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  moduleFileExtensions: ['ts', 'js', 'json'],
  // `s2check/...` is the repository root: a pasted finding test (reports/jestSnippet.ts) imports from it wherever it lives.
  moduleNameMapper: { '^s2check/(.*)$': '<rootDir>/$1' },
  testTimeout: 120000,
};

export default config;
