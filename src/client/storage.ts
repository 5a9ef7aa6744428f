/**
 * Where the client keeps its grant, its clock high-water mark and the usage it has not yet
 * reported, so they survive a restart. Any key-value store of strings will do, synchronous or
 * asynchronous: IndexedDB or localStorage in a browser, a file on a device, or memory.
 */
export interface LtsStorage {
  get(key: string): string | null | undefined | Promise<string | null | undefined>;
  set(key: string, value: string): void | Promise<void>;
  delete(key: string): void | Promise<void>;
}

/** The default storage: a Map. Nothing survives the process; fine for tests and short-lived tools. */
export class MemoryStorage implements LtsStorage {
  readonly entries = new Map<string, string>();
  get(key: string): string | undefined {
    return this.entries.get(key);
  }
  set(key: string, value: string): void {
    this.entries.set(key, value);
  }
  delete(key: string): void {
    this.entries.delete(key);
  }
}

/** Adapts a Web Storage object (`localStorage`, `sessionStorage`) to {@link LtsStorage}. */
export function webStorage(store: Pick<Storage, "getItem" | "setItem" | "removeItem">): LtsStorage {
  return {
    get: (key) => store.getItem(key),
    set: (key, value) => store.setItem(key, value),
    delete: (key) => store.removeItem(key),
  };
}
