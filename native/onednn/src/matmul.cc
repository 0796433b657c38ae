// Batched row-major matrix products through oneDNN's sgemm (threaded by oneDNN itself).
#include <oneapi/dnnl/dnnl.hpp>
#include "common.h"

namespace temper {

// matMul(a, b, c, batchA, batchB, m, n, k, transposeA, transposeB): c[i] = op(a[i or 0]) · op(b[i or 0]).
Napi::Value MatMul(const Napi::CallbackInfo& info) {
  const char* fn = "matMul";
  const float* a = floats(info, 0, fn, "a");
  const float* b = floats(info, 1, fn, "b");
  float* c = floats(info, 2, fn, "c");
  const int64_t batchA = integer(info, 3, fn, "batchA"), batchB = integer(info, 4, fn, "batchB");
  const int64_t m = integer(info, 5, fn, "m"), n = integer(info, 6, fn, "n"), k = integer(info, 7, fn, "k");
  const bool ta = info[8].ToBoolean(), tb = info[9].ToBoolean();
  const int64_t batch = batchA > batchB ? batchA : batchB;
  if ((batchA != batch && batchA != 1) || (batchB != batch && batchB != 1) ||
      static_cast<int64_t>(length(info, 0)) != batchA * m * k || static_cast<int64_t>(length(info, 1)) != batchB * k * n ||
      static_cast<int64_t>(length(info, 2)) != batch * m * n) {
    throw Napi::RangeError::New(info.Env(), "matMul: array lengths do not match batch, m, n and k");
  }
  for (int64_t i = 0; i < batch; i++) {
    const float* ai = a + (batchA == 1 ? 0 : i * m * k);
    const float* bi = b + (batchB == 1 ? 0 : i * k * n);
    dnnl_status_t status = dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, 1.0f, ai, ta ? m : k, bi, tb ? k : n, 0.0f, c + i * m * n, n);
    if (status != dnnl_success) throw Napi::Error::New(info.Env(), "matMul: oneDNN sgemm failed with status " + std::to_string(status));
  }
  return info.Env().Undefined();
}

}  // namespace temper
