// Training-mode batch normalization over the rows of x [rows, channels] in three passes forward
// and two backward, where the composed tfjs ops take about a dozen. Per-channel sums accumulate in
// double, each thread over a fixed slice of rows, merged in order: the result depends only on the
// thread count.
#include <cmath>
#include <omp.h>
#include <vector>
#include "common.h"

namespace temper {

// sums[c] (and sums2[c] where given) over rows of f(row, c) (and g(row, c)).
template <typename F, typename G>
static void ChannelSums(int64_t rows, int64_t channels, F f, G g, double* sums, double* sums2) {
  const int threads = rows * channels > kParallelGrain ? omp_get_max_threads() : 1;
  std::vector<double> partial(static_cast<size_t>(threads) * channels * 2, 0.0);
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    double* mine = partial.data() + static_cast<size_t>(t) * channels * 2;
    for (int64_t r = rows * t / nt; r < rows * (t + 1) / nt; r++) {
      for (int64_t c = 0; c < channels; c++) {
        mine[c] += f(r, c);
        if (sums2) mine[channels + c] += g(r, c);
      }
    }
  }
  for (int64_t c = 0; c < channels; c++) {
    double a = 0, b = 0;
    for (int t = 0; t < threads; t++) {
      a += partial[static_cast<size_t>(t) * channels * 2 + c];
      b += partial[static_cast<size_t>(t) * channels * 2 + channels + c];
    }
    sums[c] = a;
    if (sums2) sums2[c] = b;
  }
}

// batchNormForward(x, gamma, beta, epsilon, y, xhat, mean, variance, invStd)
Napi::Value BatchNormForward(const Napi::CallbackInfo& info) {
  const char* fn = "batchNormForward";
  const float* x = floats(info, 0, fn, "x");
  const float* gamma = floats(info, 1, fn, "gamma");
  const float* beta = floats(info, 2, fn, "beta");
  const float epsilon = static_cast<float>(number(info, 3, fn, "epsilon"));
  float* y = floats(info, 4, fn, "y");
  float* xhat = floats(info, 5, fn, "xhat");
  float* mean = floats(info, 6, fn, "mean");
  float* variance = floats(info, 7, fn, "variance");
  float* invStd = floats(info, 8, fn, "invStd");
  const int64_t channels = static_cast<int64_t>(length(info, 1));
  const int64_t total = static_cast<int64_t>(length(info, 0));
  if (channels == 0 || total % channels != 0 || static_cast<int64_t>(length(info, 2)) != channels || static_cast<int64_t>(length(info, 4)) != total ||
      static_cast<int64_t>(length(info, 5)) != total || static_cast<int64_t>(length(info, 6)) != channels ||
      static_cast<int64_t>(length(info, 7)) != channels || static_cast<int64_t>(length(info, 8)) != channels) {
    throw Napi::RangeError::New(info.Env(), "batchNormForward: x must be [rows, channels] with gamma, beta and the statistics [channels]");
  }
  const int64_t rows = total / channels;
  std::vector<double> sums(channels);
  ChannelSums(rows, channels, [&](int64_t r, int64_t c) { return static_cast<double>(x[r * channels + c]); }, [](int64_t, int64_t) { return 0.0; }, sums.data(), nullptr);
  for (int64_t c = 0; c < channels; c++) mean[c] = static_cast<float>(sums[c] / rows);
  ChannelSums(rows, channels, [&](int64_t r, int64_t c) { const float d = x[r * channels + c] - mean[c]; return static_cast<double>(d * d); },
              [](int64_t, int64_t) { return 0.0; }, sums.data(), nullptr);
  for (int64_t c = 0; c < channels; c++) {
    variance[c] = static_cast<float>(sums[c] / rows);
    invStd[c] = static_cast<float>(1.0 / std::sqrt(static_cast<double>(variance[c] + epsilon)));
  }
#pragma omp parallel for schedule(static) if (total > kParallelGrain)
  for (int64_t r = 0; r < rows; r++) {
    for (int64_t c = 0; c < channels; c++) {
      const int64_t i = r * channels + c;
      const float h = (x[i] - mean[c]) * invStd[c];
      xhat[i] = h;
      y[i] = h * gamma[c] + beta[c];
    }
  }
  return info.Env().Undefined();
}

// batchNormBackward(dy, xhat, gamma, invStd, dx, dGamma, dBeta):
// dx = γ·invStd·(dy − mean(dy) − x̂·mean(dy·x̂)), dγ = Σ dy·x̂, dβ = Σ dy.
Napi::Value BatchNormBackward(const Napi::CallbackInfo& info) {
  const char* fn = "batchNormBackward";
  const float* dy = floats(info, 0, fn, "dy");
  const float* xhat = floats(info, 1, fn, "xhat");
  const float* gamma = floats(info, 2, fn, "gamma");
  const float* invStd = floats(info, 3, fn, "invStd");
  float* dx = floats(info, 4, fn, "dx");
  float* dGamma = floats(info, 5, fn, "dGamma");
  float* dBeta = floats(info, 6, fn, "dBeta");
  const int64_t channels = static_cast<int64_t>(length(info, 2));
  const int64_t total = static_cast<int64_t>(length(info, 0));
  if (channels == 0 || total % channels != 0 || static_cast<int64_t>(length(info, 1)) != total || static_cast<int64_t>(length(info, 3)) != channels ||
      static_cast<int64_t>(length(info, 4)) != total || static_cast<int64_t>(length(info, 5)) != channels || static_cast<int64_t>(length(info, 6)) != channels) {
    throw Napi::RangeError::New(info.Env(), "batchNormBackward: dy, xhat and dx must be [rows, channels] with gamma, invStd, dGamma and dBeta [channels]");
  }
  const int64_t rows = total / channels;
  std::vector<double> sumDy(channels), sumDyXhat(channels);
  ChannelSums(rows, channels, [&](int64_t r, int64_t c) { return static_cast<double>(dy[r * channels + c]); },
              [&](int64_t r, int64_t c) { const int64_t i = r * channels + c; return static_cast<double>(dy[i] * xhat[i]); }, sumDy.data(), sumDyXhat.data());
  std::vector<float> meanDy(channels), meanDyXhat(channels), scale(channels);
  for (int64_t c = 0; c < channels; c++) {
    dBeta[c] = static_cast<float>(sumDy[c]);
    dGamma[c] = static_cast<float>(sumDyXhat[c]);
    meanDy[c] = static_cast<float>(sumDy[c] / rows);
    meanDyXhat[c] = static_cast<float>(sumDyXhat[c] / rows);
    scale[c] = gamma[c] * invStd[c];
  }
#pragma omp parallel for schedule(static) if (total > kParallelGrain)
  for (int64_t r = 0; r < rows; r++) {
    for (int64_t c = 0; c < channels; c++) {
      const int64_t i = r * channels + c;
      dx[i] = scale[c] * ((dy[i] - meanDy[c]) - xhat[i] * meanDyXhat[c]);
    }
  }
  return info.Env().Undefined();
}

}  // namespace temper
