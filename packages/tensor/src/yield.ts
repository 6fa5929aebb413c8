/**
 * Resolves on the next macrotask (setImmediate in Node, a MessageChannel message in browsers), so
 * a long loop that only awaits already-resolved promises lets signal handlers (Ctrl-C), timers and
 * UI events run. Long-running loops call it at their progress checks; it costs microseconds.
 */
export function yieldToEventLoop(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((resolve) => setImmediate(resolve));
  if (typeof MessageChannel === 'function')
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        channel.port1.close();
        resolve();
      };
      channel.port2.postMessage(null);
    });
  return new Promise((resolve) => setTimeout(resolve, 0));
}
