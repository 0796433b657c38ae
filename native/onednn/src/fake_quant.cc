// The fused fake-quantizer (engine/quantizers/fake-quant-kernel.ts) as a threaded loop. Every
// operation is a float32 operation in the same order as the JS loop, so both give the same bits
// (built with -ffp-contract=off: a fused multiply-add would round once where JS rounds twice).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>
#include <omp.h>
#include "common.h"

namespace temper {

constexpr float kRoundShift = 12582912.0f;

// Rng.fillUniform (engine/rng.ts, sfc32) from the generator's four state words: the same floats,
// low + ((high − low)·2^-32)·t rounded once to float32. The stream is serial; only the words are
// drawn in order, and their conversion to floats runs threaded and vectorized.
static void FillUniform(const uint32_t* state, float* out, int64_t n, double low, double high) {
  static_assert(sizeof(uint32_t) == sizeof(float), "words are converted in place");
  uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
  for (int64_t i = 0; i < n; i++) {
    const uint32_t t = a + b + d;
    d = d + 1;
    a = b ^ (b >> 9);
    b = c + (c << 3);
    c = ((c << 21) | (c >> 11)) + t;
    std::memcpy(out + i, &t, sizeof t);
  }
  const double scale = (high - low) / 4294967296.0;
#pragma omp parallel for schedule(static) if (n > kParallelGrain)
  for (int64_t i = 0; i < n; i++) {
    uint32_t t;
    std::memcpy(&t, out + i, sizeof t);
    out[i] = static_cast<float>(low + scale * static_cast<double>(t));
  }
}

struct Levels {
  float s, low, qp, lambda;
};

// One pass over [begin, end): the value s·y, the inside mask and ∂v̂/∂s per element (before g).
// Branch-free, with the mode a template argument and no aliasing, so the compiler vectorizes it.
template <int Mode>
static void FakeQuantRange(const float* __restrict x, const float* __restrict noise, Levels l, float* __restrict value, float* __restrict inside,
                           float* __restrict perElement, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; i++) {
    const float u = x[i] / l.s;
    // NaN stays NaN, as in clipByValue.
    float clipped = u < l.low ? l.low : u;
    clipped = clipped > l.qp ? l.qp : clipped;
    float y;
    if (Mode == 2) {
      y = clipped + noise[i];
    } else {
      // Round half to even, as tf.round: adding and taking away 1.5·2^23 leaves no fraction bits
      // (exact for |clipped| ≤ 2^22; the levels are at most 2^16). Unlike std::floor (a libm call
      // without SSE4.1) it vectorizes.
      const float q = (clipped + kRoundShift) - kRoundShift;
      y = Mode == 1 ? q + (std::fabs(q - clipped) * noise[i]) * l.lambda : q;
    }
    const float isInside = static_cast<float>((u > l.low) & (u < l.qp));
    value[i] = l.s * y;
    inside[i] = isInside;
    perElement[i] = y - clipped * isInside;
  }
}

// Elements per task: big enough to amortize a task, small enough to spread over the threads.
constexpr int64_t kChunk = 16384;

template <int Mode>
static void FakeQuantLoop(const float* x, const float* noise, Levels l, float* value, float* inside, float* perElement, int64_t n) {
  const int64_t chunks = (n + kChunk - 1) / kChunk;
#pragma omp parallel for schedule(static) if (n > kParallelGrain)
  for (int64_t c = 0; c < chunks; c++) FakeQuantRange<Mode>(x, noise, l, value, inside, perElement, c * kChunk, std::min(n, (c + 1) * kChunk));
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
  const Levels levels{s, low, qp, lambda};
  switch (mode) {
    case 0: FakeQuantLoop<0>(x, noise, levels, value, inside, perElement, n); break;
    case 1: FakeQuantLoop<1>(x, noise, levels, value, inside, perElement, n); break;
    default: FakeQuantLoop<2>(x, noise, levels, value, inside, perElement, n); break;
  }
  return info.Env().Undefined();
}

// Lanes of the step-size sum: independent accumulators the compiler keeps in vector registers.
constexpr int kLanes = 8;

// fakeQuantGrad(dy, inside, perElement, dx) → Σ dy·perElement: the backward of fakeQuant in one pass,
// dx = dy·inside and the step size's sum (before g) in double. Each thread sums a fixed slice and the
// slices merge in order, so the result depends only on the thread count.
Napi::Value FakeQuantGrad(const Napi::CallbackInfo& info) {
  const char* fn = "fakeQuantGrad";
  const float* __restrict dy = floats(info, 0, fn, "dy");
  const float* __restrict inside = floats(info, 1, fn, "inside");
  const float* __restrict perElement = floats(info, 2, fn, "perElement");
  float* __restrict dx = floats(info, 3, fn, "dx");
  const int64_t n = static_cast<int64_t>(length(info, 0));
  if (static_cast<int64_t>(length(info, 1)) != n || static_cast<int64_t>(length(info, 2)) != n || static_cast<int64_t>(length(info, 3)) != n) {
    throw Napi::RangeError::New(info.Env(), "fakeQuantGrad: inside, perElement and dx must have dy's length");
  }
  const int threads = n > kParallelGrain ? omp_get_max_threads() : 1;
  std::vector<double> partial(static_cast<size_t>(threads), 0.0);
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    const int64_t begin = n * t / nt, end = n * (t + 1) / nt;
    double lanes[kLanes] = {0};
    int64_t i = begin;
    for (; i + kLanes <= end; i += kLanes) {
      for (int k = 0; k < kLanes; k++) {
        dx[i + k] = dy[i + k] * inside[i + k];
        lanes[k] += static_cast<double>(dy[i + k] * perElement[i + k]);
      }
    }
    double sum = 0;
    for (int k = 0; k < kLanes; k++) sum += lanes[k];
    for (; i < end; i++) {
      dx[i] = dy[i] * inside[i];
      sum += static_cast<double>(dy[i] * perElement[i]);
    }
    partial[static_cast<size_t>(t)] = sum;
  }
  double total = 0;
  for (double p : partial) total += p;
  return Napi::Number::New(info.Env(), total);
}

}  // namespace temper
