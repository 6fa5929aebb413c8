import { defineConfig } from 'vitest/config';

// Not part of the main test command: needs Debian's Chromium (apt-get install chromium).
export default defineConfig({
  test: { name: 'e2e', include: ['**/*.e2e.ts'], testTimeout: 180_000, hookTimeout: 180_000 },
});
