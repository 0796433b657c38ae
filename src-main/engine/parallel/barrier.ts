/**
 * A reusable barrier for the threads of one data-parallel run, in shared memory: each party
 * blocks (Atomics.wait) until all have arrived. Waits end early when any thread sets the abort
 * flag, and fail after a timeout, so a crashed or stuck replica never leaves the others hanging.
 */

/** Int32 words of the barrier's shared state. */
const ARRIVED = 0;
const GENERATION = 1;
const ABORTED = 2;
const WORDS = 3;

/** Thrown in a replica whose wait was ended by another thread's failure. */
export class BarrierAbortedError extends Error {}

export function allocateBarrier(): SharedArrayBuffer {
  return new SharedArrayBuffer(WORDS * Int32Array.BYTES_PER_ELEMENT);
}

/** Ends every current and future wait on this barrier (from any thread, the main one included). */
export function abortBarrier(buffer: SharedArrayBuffer): void {
  const state = new Int32Array(buffer);
  Atomics.store(state, ABORTED, 1);
  Atomics.notify(state, GENERATION);
}

export class SharedBarrier {
  private readonly state: Int32Array;

  constructor(
    buffer: SharedArrayBuffer,
    readonly parties: number,
    private readonly timeoutMs: number,
  ) {
    if (!(buffer instanceof SharedArrayBuffer) || buffer.byteLength !== WORDS * Int32Array.BYTES_PER_ELEMENT) {
      throw new Error(`SharedBarrier: buffer must be a SharedArrayBuffer from allocateBarrier()`);
    }
    if (!Number.isInteger(parties) || parties < 1) throw new Error(`SharedBarrier: parties must be a positive integer, got ${parties}`);
    if (!(timeoutMs > 0)) throw new Error(`SharedBarrier: timeoutMs must be positive, got ${timeoutMs}`);
    this.state = new Int32Array(buffer);
  }

  get aborted(): boolean {
    return Atomics.load(this.state, ABORTED) !== 0;
  }

  /**
   * Blocks until all parties have called arrive(); `where` names the call site in errors.
   * Writes made before arrive() are visible to every party after it (Atomics are sequentially consistent).
   */
  arrive(where: string): void {
    const { state } = this;
    if (this.aborted) throw new BarrierAbortedError(`${where}: another replica failed`);
    // Read the generation before arriving: the last arriver bumps it, so it cannot be missed.
    const generation = Atomics.load(state, GENERATION);
    if (Atomics.add(state, ARRIVED, 1) === this.parties - 1) {
      Atomics.store(state, ARRIVED, 0);
      Atomics.add(state, GENERATION, 1);
      Atomics.notify(state, GENERATION);
      return;
    }
    const deadline = performance.now() + this.timeoutMs;
    while (Atomics.load(state, GENERATION) === generation) {
      if (this.aborted) throw new BarrierAbortedError(`${where}: another replica failed`);
      const left = deadline - performance.now();
      if (left <= 0) {
        // Leave the others a clear failure too, instead of their own timeout later.
        abortBarrier(state.buffer as SharedArrayBuffer);
        throw new Error(`${where}: timed out after ${this.timeoutMs} ms waiting for the other replicas (${this.parties} expected)`);
      }
      Atomics.wait(state, GENERATION, generation, left);
    }
  }
}
