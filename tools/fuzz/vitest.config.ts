import { packageTestConfig } from '../../vitest.shared.ts';

export default packageTestConfig('fuzz', { timeoutMs: 900_000 });
