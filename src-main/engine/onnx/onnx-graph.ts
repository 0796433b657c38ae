import { ONNX_ATTRIBUTE, ONNX_DTYPE, type OnnxDtype } from './onnx-schema';

/** An attribute value, typed as ONNX stores it (an integer attribute is not a float one). */
export type OnnxAttribute = { int: number } | { float: number } | { ints: number[] } | { string: string };

type InitializerData = Float32Array | Int8Array | Uint8Array | BigInt64Array;

/** Plain objects in the shape of onnx.proto's messages (snake_case fields), for protobufjs to encode. */
export interface OnnxNode {
  name: string;
  op_type: string;
  input: string[];
  output: string[];
  attribute: Record<string, unknown>[];
}

export interface OnnxTensor {
  name: string;
  data_type: number;
  dims: number[];
  raw_data: Uint8Array;
}

const DTYPE_OF: [new (...args: never[]) => InitializerData, OnnxDtype][] = [
  [Float32Array, 'float'],
  [Int8Array, 'int8'],
  [Uint8Array, 'uint8'],
  [BigInt64Array, 'int64'],
];

function attributeProto(name: string, value: OnnxAttribute): Record<string, unknown> {
  if ('int' in value) return { name, type: ONNX_ATTRIBUTE.int, i: value.int };
  if ('float' in value) return { name, type: ONNX_ATTRIBUTE.float, f: value.float };
  if ('ints' in value) return { name, type: ONNX_ATTRIBUTE.ints, ints: value.ints };
  return { name, type: ONNX_ATTRIBUTE.string, s: new TextEncoder().encode(value.string) };
}

/** Collects the nodes and initializers of an ONNX graph in execution order, with unique value names. */
export class OnnxGraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  private readonly names = new Set<string>();

  private claim(name: string): string {
    if (this.names.has(name)) throw new Error(`OnnxGraphBuilder: the value name '${name}' is used twice`);
    this.names.add(name);
    return name;
  }

  /**
   * A constant tensor stored in the file, raw little-endian bytes (the byte order of every platform
   * Node runs on); returns its name.
   */
  constant(name: string, dims: number[], data: InitializerData): string {
    const elements = dims.reduce((n, d) => n * d, 1);
    if (elements !== data.length) throw new Error(`OnnxGraphBuilder: constant '${name}' has ${data.length} values for dims [${dims}]`);
    const dtype = DTYPE_OF.find(([kind]) => data instanceof kind)![1];
    this.initializers.push({ name: this.claim(name), data_type: ONNX_DTYPE[dtype], dims, raw_data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
    return name;
  }

  /** A float32 scalar constant. */
  scalar(name: string, value: number): string {
    return this.constant(name, [], Float32Array.of(value));
  }

  /** An int64 vector constant (shapes, axes, pads). */
  int64s(name: string, values: number[]): string {
    return this.constant(name, [values.length], BigInt64Array.from(values, (v) => BigInt(v)));
  }

  /** One operator whose single output is named `output`; returns that name. */
  node(op: string, inputs: string[], output: string, attributes: Record<string, OnnxAttribute> = {}): string {
    const missing = inputs.find((input) => input !== '' && !this.names.has(input));
    if (missing !== undefined) throw new Error(`OnnxGraphBuilder: ${op} '${output}' reads '${missing}', which no earlier node or constant defines`);
    this.nodes.push({
      name: output,
      op_type: op,
      input: inputs,
      output: [this.claim(output)],
      attribute: Object.entries(attributes).map(([name, value]) => attributeProto(name, value)),
    });
    return output;
  }

  /** Declares a graph input (its name is then defined for later nodes). */
  input(name: string): string {
    return this.claim(name);
  }
}

/** A ValueInfoProto of a tensor; a string dimension is symbolic (the batch). */
export function tensorValueInfo(name: string, dtype: OnnxDtype, dims: (number | string)[]): Record<string, unknown> {
  const dim = dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d }));
  return { name, type: { tensor_type: { elem_type: ONNX_DTYPE[dtype], shape: { dim } } } };
}
