/** Sharpness measures of method.md §5: pure tfjs, no storage. */
export { computeSharpness, type SharpnessHooks, type SharpnessOptions, type SharpnessResult } from './compute';
export { HVP_METHODS, parseSharpnessParams, SHARPNESS_MEASURES, sharpnessParamsSchema, type HvpMethod, type SharpnessMeasure, type SharpnessParams, type SharpnessParamsInput } from './params';
export { selectSubset } from './subset';
export type { TraceEstimate } from './hutchinson';
export type { EigenEstimate } from './power-iteration';
export type { PerturbationSharpness } from './perturbation';
export type { LossLandscape } from './landscape';
