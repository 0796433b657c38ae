// Element-wise kernels and reductions as OpenMP loops: binary ops with the broadcasts tfjs models
// produce, unary ops, and reductions over the middle axis of [outer, mid, inner]. Float results
// are rounded as the tfjs cpu backend rounds them (double intermediates where it uses them).
#include <algorithm>
#include <cmath>
#include <limits>
#include <omp.h>
#include <vector>
#include "common.h"

namespace temper {

enum BinaryOp { kAdd, kSub, kMul, kDiv, kMax, kMin, kSquaredDifference };
// How an operand maps onto the [rows, cols] output: whole, one row repeated, one column repeated, one
// value, or one row per `group` consecutive rows ([outer, 1, cols] against [outer, group, cols]).
enum Mode { kFull, kRow, kColumn, kScalar, kGroupRow };

template <int OP>
inline float Apply(float a, float b) {
  if constexpr (OP == kAdd) return a + b;
  if constexpr (OP == kSub) return a - b;
  if constexpr (OP == kMul) return a * b;
  if constexpr (OP == kDiv) return a / b;
  if constexpr (OP == kMax) return (std::isnan(a) || std::isnan(b)) ? NAN : (a > b ? a : b);
  if constexpr (OP == kMin) return (std::isnan(a) || std::isnan(b)) ? NAN : (a < b ? a : b);
  if constexpr (OP == kSquaredDifference) { float d = a - b; return d * d; }
  return 0;
}

template <int OP>
static void RunBinary(const float* a, int ma, const float* b, int mb, float* out, int64_t rows, int64_t cols, int64_t group) {
  const int64_t total = rows * cols;
  if ((ma == kFull || ma == kScalar) && (mb == kFull || mb == kScalar)) {
    const int64_t as = ma == kFull, bs = mb == kFull;
#pragma omp parallel for schedule(static) if (total > kParallelGrain)
    for (int64_t i = 0; i < total; i++) out[i] = Apply<OP>(a[i * as], b[i * bs]);
    return;
  }
#pragma omp parallel for schedule(static) if (total > kParallelGrain)
  for (int64_t r = 0; r < rows; r++) {
    const auto start = [&](int mode) { return mode == kFull ? r * cols : mode == kColumn ? r : mode == kGroupRow ? r / group * cols : 0; };
    const float* ar = a + start(ma);
    const float* br = b + start(mb);
    float* o = out + r * cols;
    const bool av = ma == kFull || ma == kRow || ma == kGroupRow, bv = mb == kFull || mb == kRow || mb == kGroupRow;
    if (av && bv) {
      for (int64_t c = 0; c < cols; c++) o[c] = Apply<OP>(ar[c], br[c]);
    } else if (av) {
      const float bk = br[0];
      for (int64_t c = 0; c < cols; c++) o[c] = Apply<OP>(ar[c], bk);
    } else if (bv) {
      const float ak = ar[0];
      for (int64_t c = 0; c < cols; c++) o[c] = Apply<OP>(ak, br[c]);
    } else {
      const float v = Apply<OP>(ar[0], br[0]);
      for (int64_t c = 0; c < cols; c++) o[c] = v;
    }
  }
}

// binary(op, a, modeA, b, modeB, out, rows, cols, group)
Napi::Value Binary(const Napi::CallbackInfo& info) {
  const char* fn = "binary";
  const int64_t op = integer(info, 0, fn, "op");
  const float* a = floats(info, 1, fn, "a");
  const int ma = static_cast<int>(integer(info, 2, fn, "modeA"));
  const float* b = floats(info, 3, fn, "b");
  const int mb = static_cast<int>(integer(info, 4, fn, "modeB"));
  float* out = floats(info, 5, fn, "out");
  const int64_t rows = integer(info, 6, fn, "rows"), cols = integer(info, 7, fn, "cols"), group = integer(info, 8, fn, "group");
  auto expected = [&](int mode) { return mode == kFull ? rows * cols : mode == kRow ? cols : mode == kColumn ? rows : mode == kGroupRow ? rows / group * cols : 1; };
  if (ma < 0 || ma > 4 || mb < 0 || mb > 4 || group < 1 || rows % group != 0 || static_cast<int64_t>(length(info, 1)) != expected(ma) ||
      static_cast<int64_t>(length(info, 3)) != expected(mb) || static_cast<int64_t>(length(info, 5)) != rows * cols) {
    throw Napi::RangeError::New(info.Env(), "binary: array lengths do not match rows, cols and the broadcast modes");
  }
  switch (op) {
    case kAdd: RunBinary<kAdd>(a, ma, b, mb, out, rows, cols, group); break;
    case kSub: RunBinary<kSub>(a, ma, b, mb, out, rows, cols, group); break;
    case kMul: RunBinary<kMul>(a, ma, b, mb, out, rows, cols, group); break;
    case kDiv: RunBinary<kDiv>(a, ma, b, mb, out, rows, cols, group); break;
    case kMax: RunBinary<kMax>(a, ma, b, mb, out, rows, cols, group); break;
    case kMin: RunBinary<kMin>(a, ma, b, mb, out, rows, cols, group); break;
    case kSquaredDifference: RunBinary<kSquaredDifference>(a, ma, b, mb, out, rows, cols, group); break;
    default: throw Napi::RangeError::New(info.Env(), "binary: unknown op " + std::to_string(op));
  }
  return info.Env().Undefined();
}

enum UnaryOp { kRelu, kStep, kSquare, kSqrt, kRsqrt, kExp, kLog, kNeg, kAbs, kSign, kReciprocal };

template <int OP>
inline float ApplyUnary(float x, float alpha) {
  if constexpr (OP == kRelu) return std::isnan(x) ? x : (x < 0 ? 0.0f : x);
  if constexpr (OP == kStep) return std::isnan(x) ? NAN : (x > 0 ? 1.0f : alpha);
  if constexpr (OP == kSquare) return x * x;
  if constexpr (OP == kSqrt) return std::sqrt(x);
  if constexpr (OP == kRsqrt) return static_cast<float>(1.0 / std::sqrt(static_cast<double>(x)));
  if constexpr (OP == kExp) return static_cast<float>(std::exp(static_cast<double>(x)));
  if constexpr (OP == kLog) return static_cast<float>(std::log(static_cast<double>(x)));
  if constexpr (OP == kNeg) return -x;
  if constexpr (OP == kAbs) return std::fabs(x);
  if constexpr (OP == kSign) return std::isnan(x) ? 0.0f : (x > 0 ? 1.0f : x < 0 ? -1.0f : 0.0f);
  if constexpr (OP == kReciprocal) return 1.0f / x;
  return 0;
}

template <int OP>
static void RunUnary(const float* x, float* out, int64_t n, float alpha) {
#pragma omp parallel for schedule(static) if (n > kParallelGrain)
  for (int64_t i = 0; i < n; i++) out[i] = ApplyUnary<OP>(x[i], alpha);
}

// unary(op, x, out, alpha)
Napi::Value Unary(const Napi::CallbackInfo& info) {
  const char* fn = "unary";
  const int64_t op = integer(info, 0, fn, "op");
  const float* x = floats(info, 1, fn, "x");
  float* out = floats(info, 2, fn, "out");
  const float alpha = static_cast<float>(number(info, 3, fn, "alpha"));
  const int64_t n = static_cast<int64_t>(length(info, 1));
  if (static_cast<int64_t>(length(info, 2)) != n) throw Napi::RangeError::New(info.Env(), "unary: x and out differ in length");
  switch (op) {
    case kRelu: RunUnary<kRelu>(x, out, n, alpha); break;
    case kStep: RunUnary<kStep>(x, out, n, alpha); break;
    case kSquare: RunUnary<kSquare>(x, out, n, alpha); break;
    case kSqrt: RunUnary<kSqrt>(x, out, n, alpha); break;
    case kRsqrt: RunUnary<kRsqrt>(x, out, n, alpha); break;
    case kExp: RunUnary<kExp>(x, out, n, alpha); break;
    case kLog: RunUnary<kLog>(x, out, n, alpha); break;
    case kNeg: RunUnary<kNeg>(x, out, n, alpha); break;
    case kAbs: RunUnary<kAbs>(x, out, n, alpha); break;
    case kSign: RunUnary<kSign>(x, out, n, alpha); break;
    case kReciprocal: RunUnary<kReciprocal>(x, out, n, alpha); break;
    default: throw Napi::RangeError::New(info.Env(), "unary: unknown op " + std::to_string(op));
  }
  return info.Env().Undefined();
}

enum ReduceOp { kSum, kMaxReduce, kMinReduce };

struct Accumulator {
  int op;
  double init() const { return op == kSum ? 0.0 : op == kMaxReduce ? -INFINITY : INFINITY; }
  double add(double acc, float v) const {
    if (op == kSum) return acc + v;
    if (std::isnan(v) || std::isnan(acc)) return NAN;
    return op == kMaxReduce ? (v > acc ? v : acc) : (v < acc ? v : acc);
  }
  double merge(double a, double b) const {
    if (op == kSum) return a + b;
    if (std::isnan(a) || std::isnan(b)) return NAN;
    return op == kMaxReduce ? std::max(a, b) : std::min(a, b);
  }
};

// Reduces x [outer, mid, inner] over mid into out [outer, inner]; sums accumulate in double.
static void RunReduce(const Accumulator& acc, const float* x, float* out, int64_t outer, int64_t mid, int64_t inner) {
  const int threads = omp_get_max_threads();
  const bool big = outer * mid * inner > kParallelGrain;
  if (outer >= threads || !big) {
#pragma omp parallel for schedule(static) if (big)
    for (int64_t o = 0; o < outer; o++) {
      std::vector<double> sums(inner, acc.init());
      const float* xo = x + o * mid * inner;
      for (int64_t m = 0; m < mid; m++) {
        const float* row = xo + m * inner;
        for (int64_t i = 0; i < inner; i++) sums[i] = acc.add(sums[i], row[i]);
      }
      for (int64_t i = 0; i < inner; i++) out[o * inner + i] = static_cast<float>(sums[i]);
    }
    return;
  }
  // Few outputs, long reductions: each thread reduces a fixed slice of mid; slices merge in order,
  // so the result depends only on the thread count.
  for (int64_t o = 0; o < outer; o++) {
    std::vector<double> partial(static_cast<size_t>(threads) * inner, acc.init());
    const float* xo = x + o * mid * inner;
#pragma omp parallel num_threads(threads)
    {
      const int t = omp_get_thread_num(), nt = omp_get_num_threads();
      const int64_t begin = mid * t / nt, end = mid * (t + 1) / nt;
      double* mine = partial.data() + static_cast<size_t>(t) * inner;
      for (int64_t m = begin; m < end; m++) {
        const float* row = xo + m * inner;
        for (int64_t i = 0; i < inner; i++) mine[i] = acc.add(mine[i], row[i]);
      }
    }
    for (int64_t i = 0; i < inner; i++) {
      double total = acc.init();
      for (int t = 0; t < threads; t++) total = acc.merge(total, partial[static_cast<size_t>(t) * inner + i]);
      out[o * inner + i] = static_cast<float>(total);
    }
  }
}

// reduce(op, x, out, outer, mid, inner)
Napi::Value Reduce(const Napi::CallbackInfo& info) {
  const char* fn = "reduce";
  const int64_t op = integer(info, 0, fn, "op");
  const float* x = floats(info, 1, fn, "x");
  float* out = floats(info, 2, fn, "out");
  const int64_t outer = integer(info, 3, fn, "outer"), mid = integer(info, 4, fn, "mid"), inner = integer(info, 5, fn, "inner");
  if (op < kSum || op > kMinReduce) throw Napi::RangeError::New(info.Env(), "reduce: unknown op " + std::to_string(op));
  if (static_cast<int64_t>(length(info, 1)) != outer * mid * inner || static_cast<int64_t>(length(info, 2)) != outer * inner) {
    throw Napi::RangeError::New(info.Env(), "reduce: array lengths do not match outer, mid and inner");
  }
  RunReduce(Accumulator{static_cast<int>(op)}, x, out, outer, mid, inner);
  return info.Env().Undefined();
}

}  // namespace temper
