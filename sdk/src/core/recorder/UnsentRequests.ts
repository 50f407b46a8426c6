import type { OutgoingCall } from './calls.js';

/**
 * How many queued requests one connection remembers. A queued request normally leaves the list when it
 * goes out or when its call ends (response, timeout, cancel, connection closed), so the list holds only
 * the requests waiting for the peer's tasks/result. The bound is for calls that never end (a caller
 * that disabled the timeout, a task whose result is never fetched): past it the oldest is forgotten,
 * which costs that request its transport span when it is finally delivered, never memory.
 */
const CAPACITY = 64;

/**
 * Requests this process made that the MCP SDK did not send when they were made, oldest first.
 *
 * A request related to an MCP task (`RequestOptions.relatedTask`, experimental in the SDK) is put in the
 * task's message queue instead of being sent; the SDK sends it later, when the peer calls tasks/result,
 * through the same transport `send`. That send has to find the call it belongs to, to start its
 * transport span and inject that span's context. The JSON-RPC id finds it when it is known (queued
 * requests of several tasks go out in the order the peer asks for the tasks' results, not the order
 * they were made); otherwise the oldest call of the same method is taken.
 */
export class UnsentRequests {
  private readonly calls: OutgoingCall[] = [];
  /** The JSON-RPC id each call's request was given, when it could be read from the Protocol. */
  private readonly ids: Array<number | undefined> = [];

  get size(): number {
    return this.calls.length;
  }

  add(call: OutgoingCall, id: number | undefined): void {
    if (this.calls.length >= CAPACITY) {
      this.calls.shift();
      this.ids.shift();
    }
    this.calls.push(call);
    this.ids.push(id);
  }

  /** Removes and returns the call whose request this is: same method, and same id when it is known. */
  take(method: string, id: number): OutgoingCall | undefined {
    for (let i = 0; i < this.calls.length; i++) {
      const call = this.calls[i] as OutgoingCall;
      const knownId = this.ids[i];
      if (call.method !== method || (knownId !== undefined && knownId !== id)) continue;
      this.calls.splice(i, 1);
      this.ids.splice(i, 1);
      return call;
    }
    return undefined;
  }

  /** Forgets a call that ended before its request went out. */
  remove(call: OutgoingCall): void {
    const i = this.calls.indexOf(call);
    if (i < 0) return;
    this.calls.splice(i, 1);
    this.ids.splice(i, 1);
  }
}
