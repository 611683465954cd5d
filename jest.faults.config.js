/**
 * `npm run test:faults`: the fault-injection cases under test/faults. Each
 * case starts its own throwaway PostgreSQL / Kafka / Redis (infra/ scripts on
 * free loopback ports) and stops or kills them; the shared instances are never
 * touched. Not part of `npm test` (the cases take minutes each); `.ci/run`
 * runs both.
 */
const base = require('./jest.config');

module.exports = {
  ...base,
  testMatch: ['<rootDir>/test/faults/**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 300_000,
};
