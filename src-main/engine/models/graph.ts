import { z } from 'zod';

/**
 * The machine-readable architecture of a model (docs/export-format.md): nodes in execution order,
 * each naming the nodes whose outputs feed it. Activations are NHWC, conv kernels HWIO, dense [in, out].
 */
const pair = z.tuple([z.number().int().positive(), z.number().int().positive()]);
const count = z.number().int().positive();
const name = z.string().min(1);
const one = z.tuple([name]);
const none = z.object({}).strict();

export const exportNodeSchema = z.discriminatedUnion('kind', [
  z.object({ name, kind: z.literal('input'), inputs: z.tuple([]), attrs: z.object({ shape: z.tuple([count, count, count]) }) }),
  z.object({ name, kind: z.literal('conv2d'), inputs: one, attrs: z.object({ kernel: pair, strides: pair, padding: z.literal('same'), inChannels: count, outChannels: count }) }),
  z.object({ name, kind: z.literal('dense'), inputs: one, attrs: z.object({ inUnits: count, outUnits: count }) }),
  z.object({ name, kind: z.literal('batchnorm'), inputs: one, attrs: z.object({ channels: count }) }),
  z.object({ name, kind: z.enum(['relu', 'softplus', 'flatten', 'global-avg-pool']), inputs: one, attrs: none }),
  z.object({ name, kind: z.literal('add'), inputs: z.tuple([name, name]), attrs: none }),
  z.object({ name, kind: z.literal('max-pool'), inputs: one, attrs: z.object({ size: pair, strides: pair, padding: z.literal('same') }) }),
  // CIFAR shortcut "option A": every stride-th pixel, channels zero-padded by `offset` in front.
  z.object({ name, kind: z.literal('pad-shortcut'), inputs: one, attrs: z.object({ strides: pair, inChannels: count, outChannels: count, offset: z.number().int().min(0) }) }),
]);

export type ExportNode = z.infer<typeof exportNodeSchema>;
export type ExportNodeKind = ExportNode['kind'];

/** Collects the nodes while a model walks its layers in forward order; each call returns the new node's name. */
export class GraphBuilder {
  readonly nodes: ExportNode[] = [];

  constructor(private readonly activationKind: 'relu' | 'softplus') {}

  add(node: ExportNode): string {
    this.nodes.push(node);
    return node.name;
  }

  input(shape: [number, number, number]): string {
    return this.add({ name: 'input', kind: 'input', inputs: [], attrs: { shape } });
  }

  /** The model's activation after `input`, named `${prefix}/relu` (or /softplus). */
  activation(prefix: string, input: string): string {
    return this.add({ name: `${prefix}/${this.activationKind}`, kind: this.activationKind, inputs: [input], attrs: {} });
  }

  globalAveragePool(name: string, input: string): string {
    return this.add({ name, kind: 'global-avg-pool', inputs: [input], attrs: {} });
  }
}
