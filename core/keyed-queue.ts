/**
 * Runs tasks for one key one after another, in arrival order, while different keys run in parallel.
 * Within a process this keeps two messages of one chat from interleaving; across processes the
 * engine's compare-and-set does.
 */
export function createKeyedQueue() {
  const tails = new Map<string, Promise<unknown>>();
  return function enqueue<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = tails.get(key) ?? Promise.resolve();
    const result = previous.then(task);
    const tail = result.catch(() => undefined);
    tails.set(key, tail);
    // Forget idle keys so the map holds only chats with work in flight.
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return result;
  };
}
