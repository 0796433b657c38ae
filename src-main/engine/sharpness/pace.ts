import type { SharpnessMeasure } from './params';

/**
 * Called after each unit of work (one Hessian-vector product, one loss over the subset): reports
 * progress, lets the event loop run (so a cancel message can arrive), and throws
 * SharpnessCancelled when the caller asked to stop.
 */
export type Pace = (what: SharpnessMeasure) => Promise<void>;

export class SharpnessCancelled extends Error {
  constructor() {
    super('sharpness computation cancelled');
    this.name = 'SharpnessCancelled';
  }
}

export const noPace: Pace = async () => {};
