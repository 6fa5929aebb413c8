import { ValueError } from '@polymodal/tensor';

/** Validates the `onProgress` / `signal` pair every long-running call takes. @throws ValueError */
export function checkCallbacks(o: { onProgress?: unknown; signal?: unknown }, where: string): void {
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function')
    throw new ValueError(`${where}: onProgress must be a function.`);
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal))
    throw new ValueError(`${where}: signal must be an AbortSignal.`);
}
