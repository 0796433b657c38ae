import fs from 'node:fs';
import { loadOnnxClassifier } from '../../src-main/engine/onnx/eval-onnx';
import { encodeOnnxModel } from '../../src-main/engine/onnx/export-onnx';
import { OnnxGraphBuilder, tensorValueInfo } from '../../src-main/engine/onnx/onnx-graph';

/**
 * Run as a child process (test/engine/onnx/onnx-home.test.ts): opens an ONNX Runtime session on a
 * one-node model written to argv[2], the way `eval-export` does, so the test can see what ONNX
 * Runtime writes under the child's HOME.
 */
const g = new OnnxGraphBuilder();
g.node('Cast', [g.input('x')], 'y', { to: { int: 1 } });
const file = process.argv[2];
fs.writeFileSync(file, encodeOnnxModel(g, { name: 'cast', doc: '', inputs: [tensorValueInfo('x', 'uint8', [1, 2, 2, 1])], outputs: [tensorValueInfo('y', 'float', [1, 2, 2, 1])], metadata: {}, temperVersion: '0' }));
// Not a classifier (its output is 4-D): refused after ONNX Runtime has loaded it, which is what matters here.
const outcome = await loadOnnxClassifier(file).then(() => 'loaded', (error: Error) => error.message);
process.stdout.write(outcome);
