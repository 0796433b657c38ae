// The fused fake-quantizer (engine/quantizers/fake-quant-kernel.ts) as a threaded loop. Every
// operation is a float32 operation in the same order as the JS loop, so both give the same bits
// (built with -ffp-contract=off: a fused multiply-add would round once where JS rounds twice).
#include <cmath>
#include <vector>
#include "common.h"

namespace temper {

// Rng.fillUniform (engine/rng.ts, sfc32) from the generator's four state words: the same floats,
// low + ((high − low)·2^-32)·t rounded once to float32.
static void FillUniform(const uint32_t* state, float* out, int64_t n, double low, double high) {
  uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
  const double scale = (high - low) / 4294967296.0;
  for (int64_t i = 0; i < n; i++) {
    const uint32_t t = a + b + d;
    d = d + 1;
    a = b ^ (b >> 9);
    b = c + (c << 3);
    c = ((c << 21) | (c >> 11)) + t;
    out[i] = static_cast<float>(low + scale * static_cast<double>(t));
  }
}

// fakeQuant(x, step, noise | Uint32Array(4) seed state | null, mode, qn, qp, lambda, value, inside, perElement, halfWidth):
// with a state instead of a noise array, the noise is U(−halfWidth, halfWidth) drawn from it.
Napi::Value FakeQuant(const Napi::CallbackInfo& info) {
  const char* fn = "fakeQuant";
  const float* x = floats(info, 0, fn, "x");
  const float s = static_cast<float>(number(info, 1, fn, "step"));
  const float* noise = nullptr;
  thread_local std::vector<float> drawn;
  const bool seeded = info[2].IsTypedArray() && info[2].As<Napi::TypedArray>().TypedArrayType() == napi_uint32_array;
  if (seeded) {
    if (info[2].As<Napi::TypedArray>().ElementLength() != 4) throw Napi::RangeError::New(info.Env(), "fakeQuant: a noise state has 4 words");
    const double halfWidth = number(info, 10, fn, "halfWidth");
    drawn.resize(length(info, 0));
    FillUniform(info[2].As<Napi::Uint32Array>().Data(), drawn.data(), static_cast<int64_t>(drawn.size()), -halfWidth, halfWidth);
    noise = drawn.data();
  } else if (!info[2].IsNull()) {
    noise = floats(info, 2, fn, "noise");
  }
  const int64_t mode = integer(info, 3, fn, "mode");
  const float low = -static_cast<float>(number(info, 4, fn, "qn"));
  const float qp = static_cast<float>(number(info, 5, fn, "qp"));
  const float lambda = static_cast<float>(number(info, 6, fn, "lambda"));
  float* value = floats(info, 7, fn, "value");
  float* inside = floats(info, 8, fn, "inside");
  float* perElement = floats(info, 9, fn, "perElement");
  const int64_t n = static_cast<int64_t>(length(info, 0));
  if (mode < 0 || mode > 2) throw Napi::RangeError::New(info.Env(), "fakeQuant: mode must be 0, 1 or 2");
  if ((mode != 0 && (noise == nullptr || (!seeded && static_cast<int64_t>(length(info, 2)) < n))) || static_cast<int64_t>(length(info, 7)) != n ||
      static_cast<int64_t>(length(info, 8)) != n || static_cast<int64_t>(length(info, 9)) != n) {
    throw Napi::RangeError::New(info.Env(), "fakeQuant: noise, value, inside and perElement must have x's length");
  }
#pragma omp parallel for schedule(static) if (n > kParallelGrain)
  for (int64_t i = 0; i < n; i++) {
    const float u = x[i] / s;
    const bool below = u < low, above = u > qp;
    const float clipped = below ? low : above ? qp : u;
    float y;
    if (mode == 2) {
      y = clipped + noise[i];
    } else {
      const float floor = std::floor(clipped);
      const float fraction = clipped - floor;
      // The parity is read only at a tie, where floor is finite (a NaN cast to an integer is undefined).
      const bool up = fraction > 0.5f || (fraction == 0.5f && (static_cast<int64_t>(floor) & 1));
      const float q = floor + static_cast<float>(up);
      if (mode == 1) {
        const float spread = std::fabs(q - clipped) * noise[i];
        y = q + spread * lambda;
      } else {
        y = q;
      }
    }
    const float isInside = (u > low && u < qp) ? 1.0f : 0.0f;
    value[i] = s * y;
    inside[i] = isInside;
    perElement[i] = y - clipped * isInside;
  }
  return info.Env().Undefined();
}

}  // namespace temper
