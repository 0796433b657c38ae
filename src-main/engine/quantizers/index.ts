import { FpQuantizer } from './fp';
import { LsqQuantizer } from './lsq';
import { NtQuantizer } from './nt';
import { NtPqnQuantizer } from './nt-pqn';
import { PqnQuantizer } from './pqn';
import { QUANTIZER_KINDS, type Quantizer, type QuantizerOptions } from './quantizer';

export * from './quantizer';
export { fakeQuant, lsqGradScale, lsqLevels, scaleGrad } from './fake-quant';
export type { BinNoise, QuantLevels } from './fake-quant';
export { FpQuantizer } from './fp';
export { LsqQuantizer, MIN_INIT_STEP } from './lsq';
export { NtQuantizer, drawXi } from './nt';
export { NtPqnQuantizer, drawN } from './nt-pqn';
export { PqnQuantizer } from './pqn';

/** One quantizer of method.md §2–4 by kind; the step-size variable is named options.name. */
export function createQuantizer(options: QuantizerOptions): Quantizer {
  switch (options.kind) {
    case 'fp':
      return new FpQuantizer(options);
    case 'lsq':
      return new LsqQuantizer(options);
    case 'nt':
      return new NtQuantizer(options);
    case 'pqn':
      return new PqnQuantizer(options);
    case 'nt-pqn':
      return new NtPqnQuantizer(options);
    default:
      throw new Error(
        `Error in createQuantizer '${String((options as { name?: unknown }).name)}': ` +
          `kind must be one of ${QUANTIZER_KINDS.join(', ')}, got ${String((options as { kind?: unknown }).kind)}`,
      );
  }
}
