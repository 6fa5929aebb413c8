import { packageTestConfig } from '../vitest.shared.ts';

// Repository-level tests: packing and installing the packages as users do, the one-tfjs-core rule.
export default packageTestConfig('repo', { include: ['**/*.test.ts'], timeoutMs: 600_000 });
