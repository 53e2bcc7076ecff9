/**
 * A port whose implementation is still starting (PGlite's first start creates a database: ~4 s). Calls wait
 * for it, so the service can answer the chat at once while records come up behind it; /readyz reports the
 * truth meanwhile. Only for ports whose members are all async methods.
 */
export function deferredPort<T extends object>(ready: Promise<T>): T {
  // A port that never opens is reported by whoever awaits the service's readiness; each call rejects with it.
  ready.catch(() => {});
  return new Proxy({} as T, {
    get(_target, name) {
      return async (...args: unknown[]) => {
        const port = (await ready) as Record<PropertyKey, (...a: unknown[]) => Promise<unknown>>;
        const method = port[name];
        if (typeof method !== 'function') throw new TypeError(`port has no method ${String(name)}`);
        return method.apply(port, args);
      };
    },
  });
}
