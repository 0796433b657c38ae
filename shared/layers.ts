/**
 * Layers of the built-in models by name, in model order: the first layer (stem, conv1, fc1), the
 * blocks in order (stage2/block10 after stage2/block9), the classifier last. The first and last
 * layer quantize at quant.firstLastBits, the others at quant.bits (engine/models/model.ts LayerPlan).
 */

const FIRST_LAYERS = ['stem', 'conv1', 'fc1'];
const LAST_LAYER = 'classifier';

// conv1 and fc1 come first among their siblings by name; a ResNet's stem has to be put there.
const rank = (layer: string) => (layer === 'stem' ? 0 : layer === LAST_LAYER ? 2 : 1);
const natural = new Intl.Collator('en', { numeric: true });

/** Sorts layer names in model order. */
export function compareLayers(a: string, b: string): number {
  return rank(a) - rank(b) || natural.compare(a, b);
}

/** The bits a layer's quantizers use: firstLastBits for the first and last layer, bits for the rest; null where none applies. */
export function layerBits(layer: string, quant: { bits?: number | null; firstLastBits?: number | null }): number | null {
  return (FIRST_LAYERS.includes(layer) || layer === LAST_LAYER ? quant.firstLastBits : quant.bits) ?? null;
}
