import { defineConfig } from 'vitest/config';

/**
 * Resolve workspace packages to their TypeScript sources (the `@polymodal/source` export
 * condition), so packages test against each other without a build.
 */
const conditions = ['@polymodal/source', 'module', 'node', 'development|production'];

/** The vitest config every package shares; `name` labels the project in the summary. */
export function packageTestConfig(name: string, options: { include?: string[]; timeoutMs?: number } = {}) {
  return defineConfig({
    resolve: { conditions },
    ssr: { resolve: { conditions } },
    test: {
      name,
      environment: 'node',
      include: options.include ?? ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: options.timeoutMs ?? 120_000,
      hookTimeout: options.timeoutMs ?? 120_000,
    },
  });
}
