import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // tests never write the per-user knowledge base (~/.sysight); the tests of it set their own folder
    // nor the per-user profile cache; its tests (src/profile/cache) give their own folder
    env: { SYSIGHT_HOME: 'off', SYSIGHT_CACHE: 'off' },
  },
});
