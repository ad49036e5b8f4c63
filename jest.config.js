/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 30000,
  // Each run in a temporary folder of its own, which must be empty at the end (test/temp-folder.js).
  globalSetup: '<rootDir>/test/temp-folder.setup.js',
  globalTeardown: '<rootDir>/test/temp-folder.teardown.js',
};
