/**
 * Registers the gradients of every tfjs op. tfjs-core's Node bundle registers none, and its ESM
 * gradient files use extensionless imports that Node cannot load; the union package registers them
 * all in both of its builds. Import this module before computing any gradient. The project adds
 * the gradients tfjs lacks for double backprop (exact Hessian-vector products).
 */
import '@tensorflow/tfjs';
import './conv2d-backprop-filter-grad';
