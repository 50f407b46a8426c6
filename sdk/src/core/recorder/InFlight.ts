/** Marks a free slot (a value no JSON-RPC id can equal). */
const FREE: unique symbol = Symbol('@mcpscope/sdk free slot');

/** Slots searched linearly before falling back to a Map: more requests rarely overlap on one connection. */
const SLOTS = 8;

/**
 * The requests of one connection in flight in one direction, by JSON-RPC id, with the few Map
 * operations the instrumentation needs.
 *
 * Why not a Map: a connection usually has one request in flight, so every call takes the map from one
 * entry to none and back, and V8 reallocates a Map's hash table as it shrinks and as deleted entries
 * fill it. A few fixed slots searched linearly allocate nothing; past them a Map takes the rest.
 */
export class InFlight<K extends string | number, V> {
  private readonly keys: Array<K | typeof FREE> = new Array<K | typeof FREE>(SLOTS).fill(FREE);
  private readonly slotValues: Array<V | undefined> = new Array<V | undefined>(SLOTS).fill(undefined);
  /** Insertion order of the slot entries, for {@link values}. */
  private readonly order: number[] = new Array<number>(SLOTS).fill(0);
  private sequence = 0;
  private used = 0;
  private overflow: Map<K, { value: V; order: number }> | undefined;

  get size(): number {
    return this.used + (this.overflow?.size ?? 0);
  }

  get(key: K): V | undefined {
    if (this.used > 0) {
      for (let i = 0; i < SLOTS; i++) if (this.keys[i] === key) return this.slotValues[i];
    }
    return this.overflow?.get(key)?.value;
  }

  set(key: K, value: V): void {
    let free = -1;
    for (let i = 0; i < SLOTS; i++) {
      const slotKey = this.keys[i];
      if (slotKey === key) {
        this.slotValues[i] = value;
        return;
      }
      if (slotKey === FREE && free < 0) free = i;
    }
    const spilled = this.overflow?.get(key);
    if (spilled) {
      spilled.value = value;
      return;
    }
    if (free < 0) {
      (this.overflow ??= new Map()).set(key, { value, order: this.sequence++ });
      return;
    }
    this.keys[free] = key;
    this.slotValues[free] = value;
    this.order[free] = this.sequence++;
    this.used++;
  }

  delete(key: K): void {
    if (this.used > 0) {
      for (let i = 0; i < SLOTS; i++) {
        if (this.keys[i] !== key) continue;
        this.keys[i] = FREE;
        this.slotValues[i] = undefined;
        this.used--;
        return;
      }
    }
    this.overflow?.delete(key);
  }

  /** The values, oldest first (a snapshot: safe to delete while iterating). */
  values(): V[] {
    const entries: Array<{ value: V; order: number }> = [];
    for (let i = 0; i < SLOTS; i++) {
      if (this.keys[i] !== FREE)
        entries.push({ value: this.slotValues[i] as V, order: this.order[i] as number });
    }
    if (this.overflow) entries.push(...this.overflow.values());
    return entries.sort((a, b) => a.order - b.order).map((entry) => entry.value);
  }
}
