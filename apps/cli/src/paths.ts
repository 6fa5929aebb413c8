import { resolve } from 'node:path';

/**
 * A path the user typed, resolved against the directory they ran the command in: pnpm runs
 * scripts in the package folder and passes the caller's directory as `INIT_CWD`.
 */
export const fromUser = (path: string): string => resolve(process.env.INIT_CWD || process.cwd(), path);
