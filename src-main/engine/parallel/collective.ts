import { allocateBarrier, SharedBarrier } from './barrier';

/**
 * Collective operations between the W replicas of one data-parallel run, over shared memory:
 * allReduceMean of a float32 vector (gradients), broadcast from rank 0 (model variables) and
 * allReduceSum of a few numbers (loss sums, counts). Every rank must make the same calls in the
 * same order, like MPI; a mismatch is reported, not silently mixed.
 *
 * Each call writes this rank's values into its own slot, meets the others at one barrier, then
 * reads every slot. Slots alternate between two sets by call parity: a slot written at call k is
 * rewritten at call k+2 at the earliest, after every rank has passed call k+1's barrier, so no
 * rank can still be reading it.
 */

/** The shared memory of one run's collectives; structured-clone it into each worker. */
export interface CollectiveBuffers {
  worldSize: number;
  /** Float32 elements per slot: the largest vector any call may carry. */
  capacity: number;
  barrier: SharedArrayBuffer;
  /** [parity][rank][capacity] float32. */
  vectors: SharedArrayBuffer;
  /** [parity][rank][SMALL_CAPACITY] float64. */
  numbers: SharedArrayBuffer;
  /** [parity][rank][sequence, operation, length] int32: what each rank called. */
  calls: SharedArrayBuffer;
}

/** The most numbers one allReduceSum call carries. */
export const SMALL_CAPACITY = 16;
const CALL_WORDS = 3;
const OPERATIONS = ['allReduceMean', 'broadcast', 'allReduceSum', 'barrier'] as const;
type Operation = (typeof OPERATIONS)[number];

export function allocateCollective(worldSize: number, capacity: number): CollectiveBuffers {
  if (!Number.isInteger(worldSize) || worldSize < 1) throw new Error(`allocateCollective: worldSize must be a positive integer, got ${worldSize}`);
  if (!Number.isInteger(capacity) || capacity < 0) throw new Error(`allocateCollective: capacity must be a non-negative integer, got ${capacity}`);
  const slots = 2 * worldSize;
  return {
    worldSize,
    capacity,
    barrier: allocateBarrier(),
    vectors: new SharedArrayBuffer(slots * capacity * Float32Array.BYTES_PER_ELEMENT),
    numbers: new SharedArrayBuffer(slots * SMALL_CAPACITY * Float64Array.BYTES_PER_ELEMENT),
    calls: new SharedArrayBuffer(slots * CALL_WORDS * Int32Array.BYTES_PER_ELEMENT),
  };
}

export class Collective {
  readonly worldSize: number;
  private readonly barrier: SharedBarrier;
  /** vectors[parity][rank] and numbers[parity][rank]. */
  private readonly vectors: Float32Array[][];
  private readonly numbers: Float64Array[][];
  private readonly calls: Int32Array;
  /** Scratch of allReduceMean, reused: rank-order sums in float64, then the float32 result. */
  private readonly sums: Float64Array;
  private readonly mean: Float32Array;
  private sequence = 0;

  constructor(
    private readonly buffers: CollectiveBuffers,
    readonly rank: number,
    timeoutMs: number,
  ) {
    const { worldSize, capacity } = buffers;
    if (!Number.isInteger(rank) || rank < 0 || rank >= worldSize) throw new Error(`Collective: rank must be an integer in 0..${worldSize - 1}, got ${rank}`);
    this.worldSize = worldSize;
    this.barrier = new SharedBarrier(buffers.barrier, worldSize, timeoutMs);
    const ranks = (parity: number) => Array.from({ length: worldSize }, (_, r) => parity * worldSize + r);
    this.vectors = [0, 1].map((p) => ranks(p).map((slot) => new Float32Array(buffers.vectors, slot * capacity * 4, capacity)));
    this.numbers = [0, 1].map((p) => ranks(p).map((slot) => new Float64Array(buffers.numbers, slot * SMALL_CAPACITY * 8, SMALL_CAPACITY)));
    this.calls = new Int32Array(buffers.calls);
    this.sums = new Float64Array(capacity);
    this.mean = new Float32Array(capacity);
  }

  /**
   * The element-wise mean of every rank's `values`, summed in rank order (0, 1, ...) on every rank,
   * so all ranks get bit-identical results. Returns a view of a buffer the next call overwrites.
   */
  allReduceMean(values: Float32Array): Float32Array {
    const n = values.length;
    this.checkLength('allReduceMean', n, this.buffers.capacity);
    const parity = this.begin('allReduceMean', n);
    this.vectors[parity][this.rank].set(values);
    this.meet('allReduceMean', n, parity);
    const { sums, mean, worldSize } = this;
    const slots = this.vectors[parity];
    const first = slots[0];
    for (let i = 0; i < n; i++) sums[i] = first[i];
    for (let r = 1; r < worldSize; r++) {
      const slot = slots[r];
      for (let i = 0; i < n; i++) sums[i] += slot[i];
    }
    for (let i = 0; i < n; i++) mean[i] = sums[i] / worldSize;
    return mean.subarray(0, n);
  }

  /** Overwrites `values` on every rank with rank 0's `values` (same length everywhere). */
  broadcast(values: Float32Array): Float32Array {
    const n = values.length;
    this.checkLength('broadcast', n, this.buffers.capacity);
    const parity = this.begin('broadcast', n);
    if (this.rank === 0) this.vectors[parity][0].set(values);
    this.meet('broadcast', n, parity);
    if (this.rank !== 0) values.set(this.vectors[parity][0].subarray(0, n));
    return values;
  }

  /** Element-wise sums over ranks of a few numbers, in float64, added in rank order. */
  allReduceSum(values: readonly number[]): number[] {
    const n = values.length;
    this.checkLength('allReduceSum', n, SMALL_CAPACITY);
    const parity = this.begin('allReduceSum', n);
    this.numbers[parity][this.rank].set(values);
    this.meet('allReduceSum', n, parity);
    const slots = this.numbers[parity];
    return Array.from({ length: n }, (_, i) => slots.reduce((sum, slot) => sum + slot[i], 0));
  }

  /** Waits until every rank has reached the same call. */
  barrierSync(): void {
    const parity = this.begin('barrier', 0);
    this.meet('barrier', 0, parity);
  }

  private checkLength(operation: Operation, n: number, capacity: number): void {
    if (n > capacity) throw new Error(`Collective.${operation} on rank ${this.rank}: ${n} values exceed the capacity of ${capacity}`);
  }

  /** Records what this rank is calling; returns the slot set (parity) of the call. */
  private begin(operation: Operation, length: number): number {
    const parity = this.sequence % 2;
    const record = (parity * this.worldSize + this.rank) * CALL_WORDS;
    this.calls[record] = this.sequence;
    this.calls[record + 1] = OPERATIONS.indexOf(operation);
    this.calls[record + 2] = length;
    return parity;
  }

  /** The barrier, then a check that every rank made the same call. */
  private meet(operation: Operation, length: number, parity: number): void {
    const where = `Collective.${operation} (call ${this.sequence}) on rank ${this.rank}`;
    this.barrier.arrive(where);
    for (let r = 0; r < this.worldSize; r++) {
      const record = (parity * this.worldSize + r) * CALL_WORDS;
      const [sequence, op, n] = [this.calls[record], this.calls[record + 1], this.calls[record + 2]];
      if (sequence !== this.sequence || OPERATIONS[op] !== operation || n !== length) {
        throw new Error(
          `${where}: rank ${r} made a different call (${OPERATIONS[op] ?? '?'} of ${n} values, call ${sequence}); replicas must make the same collective calls in the same order`,
        );
      }
    }
    this.sequence++;
  }
}
