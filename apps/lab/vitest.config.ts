import { packageTestConfig } from '../../vitest.shared.ts';

// The demos run in Node at tiny scale here; the page itself is tested in e2e/lab.e2e.ts.
export default packageTestConfig('lab');
