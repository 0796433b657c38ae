import os from 'node:os';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { DataId } from '@tensorflow/tfjs-core';

/**
 * Buffers kept for reuse, at most, in bytes: a quarter of the machine's memory, up to 8 GiB. A step's
 * arrays are all freed at its end and asked for again by the next; at 1 GiB, ResNet-56 nt (3.6 GB
 * at its peak) allocated most of them afresh every step, 25 % of its time.
 */
const POOL_LIMIT_BYTES = Math.min(os.totalmem() / 4, 8 * 2 ** 30);

/**
 * The cpu backend, with the output arrays of native kernels reused. A fresh 8 MB Float32Array
 * costs more than the kernel that fills it (its pages fault in until V8 collects the old ones);
 * an array our kernels made is recycled when its tensor is disposed, unless it was ever exposed:
 * read by a JS kernel (cpu kernels may return views of their input, e.g. Slice) or by dataSync
 * (which returns the array itself). Native kernels overwrite every element of their outputs.
 */
export class PooledCpuBackend extends MathBackendCPU {
  private readonly owned = new WeakSet<Float32Array>();
  private readonly exposed = new WeakSet<object>();
  private readonly pool = new Map<number, Float32Array[]>();
  private pooledBytes = 0;

  /** An array for a native kernel's output, every element of which the kernel writes. */
  allocate(length: number): Float32Array {
    const reused = this.pool.get(length)?.pop();
    if (reused !== undefined) {
      this.pooledBytes -= reused.byteLength;
      return reused;
    }
    const fresh = new Float32Array(length);
    this.owned.add(fresh);
    return fresh;
  }

  /** Marks a tensor's array as seen outside the native kernels: it is never recycled. */
  expose(dataId: DataId): void {
    const values = this.data.get(dataId)?.values;
    if (values) this.exposed.add(values);
  }

  override readSync(dataId: DataId) {
    this.expose(dataId);
    return super.readSync(dataId);
  }

  override read(dataId: DataId) {
    this.expose(dataId);
    return super.read(dataId);
  }

  override disposeData(dataId: DataId, force = false): boolean {
    const values = this.data.get(dataId)?.values;
    const deleted = super.disposeData(dataId, force);
    if (deleted && values instanceof Float32Array && this.owned.has(values) && !this.exposed.has(values)) this.recycle(values);
    return deleted;
  }

  private recycle(values: Float32Array): void {
    if (this.pooledBytes + values.byteLength > POOL_LIMIT_BYTES) return;
    const free = this.pool.get(values.length) ?? [];
    free.push(values);
    this.pool.set(values.length, free);
    this.pooledBytes += values.byteLength;
  }

  /** Lets the kept buffers go (after a job: the next may never need them). */
  releasePool(): void {
    this.pool.clear();
    this.pooledBytes = 0;
  }

  override dispose(): void {
    this.releasePool();
    super.dispose();
  }
}
