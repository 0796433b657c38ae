// 2-D convolution on oneDNN: forward, backward data and backward weights, NHWC activations and
// HWIO filters as tfjs stores them. oneDNN picks the filter layout it runs fastest on; filters are
// reordered to and from it. Plans (primitive + reorders) are cached per shape, per thread.
#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <oneapi/dnnl/dnnl.hpp>
#include <unordered_map>
#include "common.h"

namespace temper {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

enum ConvKind { kForward = 0, kBackwardData = 1, kBackwardWeights = 2 };
// N, H, W, Ci, Ho, Wo, Co, kh, kw, sh, sw, padTop, padLeft, padBottom, padRight, dh, dw
constexpr int kParams = 17;
using Key = std::array<int64_t, kParams + 1>;

struct KeyHash {
  size_t operator()(const Key& k) const {
    size_t h = 1469598103934665603ull;
    for (int64_t v : k) h = (h ^ static_cast<size_t>(v)) * 1099511628211ull;
    return h;
  }
};

struct Plan {
  dnnl::primitive conv;
  memory::desc src, dst, weights;  // what the primitive runs on
  memory::desc userWeights;        // hwio
  bool reorderWeights = false;
  dnnl::reorder weightsReorder;    // hwio -> weights (forward, backward data) or back (backward weights)
  memory weightsBuffer;            // the primitive's own-layout weights
  bool crop = false;               // src is a crop of the user's array (see MakePlan)
  memory::desc userSrc;            // the crop as a strided view of the user's NHWC array
  dnnl::reorder srcReorder;        // view -> srcBuffer (forward, backward weights) or back (backward data)
  memory srcBuffer;                // the crop, dense
};

static dnnl::engine& Engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

static dnnl::stream& Stream() {
  thread_local dnnl::stream stream(Engine());
  return stream;
}

static std::unique_ptr<Plan> MakePlan(int kind, const int64_t* p) {
  const int64_t N = p[0], H = p[1], W = p[2], Ci = p[3], Ho = p[4], Wo = p[5], Co = p[6], kh = p[7], kw = p[8];
  const memory::dims strides = {p[9], p[10]}, padL = {p[11], p[12]}, dil = {p[15] - 1, p[16] - 1};
  // Negative bottom/right padding (the forward never reads the last rows or columns) is given to
  // oneDNN as a dense copy of the rows and columns it reads instead: oneDNN 2.6's jit 1x1 backward
  // kernels corrupt the heap with negative padding (a stride-2 1x1 'same' conv on an even input),
  // and on a strided view it falls back to its slow reference kernels.
  const int64_t Hc = H + std::min<int64_t>(p[13], 0), Wc = W + std::min<int64_t>(p[14], 0);
  const memory::dims padR = {std::max<int64_t>(p[13], 0), std::max<int64_t>(p[14], 0)};
  auto plan = std::make_unique<Plan>();
  plan->src = memory::desc({N, Ci, Hc, Wc}, dt::f32, tag::nhwc);
  plan->crop = Hc != H || Wc != W;
  plan->userSrc = memory::desc({N, Ci, Hc, Wc}, dt::f32, memory::dims{H * W * Ci, 1, W * Ci, Ci});
  plan->dst = memory::desc({N, Co, Ho, Wo}, dt::f32, tag::nhwc);
  plan->userWeights = memory::desc({Co, Ci, kh, kw}, dt::f32, tag::hwio);
  const memory::desc anyWeights({Co, Ci, kh, kw}, dt::f32, tag::any);
  const auto algo = dnnl::algorithm::convolution_direct;
  dnnl::convolution_forward::desc fd(dnnl::prop_kind::forward_training, algo, plan->src, anyWeights, plan->dst, strides, dil, padL, padR);
  dnnl::convolution_forward::primitive_desc fpd(fd, Engine());
  if (kind == kForward) {
    plan->weights = fpd.weights_desc();
    plan->conv = dnnl::convolution_forward(fpd);
  } else if (kind == kBackwardData) {
    dnnl::convolution_backward_data::desc bd(algo, plan->src, anyWeights, plan->dst, strides, dil, padL, padR);
    dnnl::convolution_backward_data::primitive_desc bpd(bd, Engine(), fpd);
    plan->weights = bpd.weights_desc();
    plan->conv = dnnl::convolution_backward_data(bpd);
  } else {
    dnnl::convolution_backward_weights::desc wd(algo, plan->src, anyWeights, plan->dst, strides, dil, padL, padR);
    dnnl::convolution_backward_weights::primitive_desc wpd(wd, Engine(), fpd);
    plan->weights = wpd.diff_weights_desc();
    plan->conv = dnnl::convolution_backward_weights(wpd);
  }
  plan->reorderWeights = plan->weights != plan->userWeights;
  if (plan->reorderWeights) {
    plan->weightsBuffer = memory(plan->weights, Engine());
    plan->weightsReorder = kind == kBackwardWeights ? dnnl::reorder(plan->weightsBuffer, memory(plan->userWeights, Engine()))
                                                    : dnnl::reorder(memory(plan->userWeights, Engine()), plan->weightsBuffer);
  }
  if (plan->crop) {
    plan->srcBuffer = memory(plan->src, Engine());
    plan->srcReorder = kind == kBackwardData ? dnnl::reorder(plan->srcBuffer, memory(plan->userSrc, Engine()))
                                             : dnnl::reorder(memory(plan->userSrc, Engine()), plan->srcBuffer);
  }
  return plan;
}

static Plan& PlanFor(int kind, const int64_t* p) {
  thread_local std::unordered_map<Key, std::unique_ptr<Plan>, KeyHash> plans;
  Key key;
  key[0] = kind;
  for (int i = 0; i < kParams; i++) key[i + 1] = p[i];
  auto found = plans.find(key);
  if (found != plans.end()) return *found->second;
  return *plans.emplace(key, MakePlan(kind, p)).first->second;
}

// conv(kind, x, filter, y, params): kind 0 reads x and filter into y; 1 reads dy (y) and filter
// into dx (x); 2 reads x and dy (y) into dFilter (filter). params: Float64Array of kParams values.
Napi::Value Conv(const Napi::CallbackInfo& info) {
  const char* fn = "conv";
  const int64_t kind = integer(info, 0, fn, "kind");
  float* x = floats(info, 1, fn, "x");
  float* filter = floats(info, 2, fn, "filter");
  float* y = floats(info, 3, fn, "y");
  if (info.Length() < 5 || !info[4].IsTypedArray() || info[4].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array ||
      info[4].As<Napi::TypedArray>().ElementLength() != kParams) {
    throw Napi::TypeError::New(info.Env(), "conv: params must be a Float64Array of 17 values");
  }
  const double* raw = info[4].As<Napi::Float64Array>().Data();
  int64_t p[kParams];
  for (int i = 0; i < kParams; i++) p[i] = static_cast<int64_t>(raw[i]);
  if (kind < 0 || kind > 2) throw Napi::RangeError::New(info.Env(), "conv: kind must be 0, 1 or 2");
  if (static_cast<int64_t>(length(info, 1)) != p[0] * p[1] * p[2] * p[3] || static_cast<int64_t>(length(info, 3)) != p[0] * p[4] * p[5] * p[6] ||
      static_cast<int64_t>(length(info, 2)) != p[7] * p[8] * p[3] * p[6]) {
    throw Napi::RangeError::New(info.Env(), "conv: array lengths do not match the shapes in params");
  }
  try {
    Plan& plan = PlanFor(static_cast<int>(kind), p);
    auto& engine = Engine();
    auto& stream = Stream();
    memory userSrc(plan.userSrc, engine, x), dst(plan.dst, engine, y), user(plan.userWeights, engine, filter);
    memory src = plan.crop ? plan.srcBuffer : userSrc;
    if (plan.crop && kind != kBackwardData) plan.srcReorder.execute(stream, userSrc, src);
    memory weights = plan.reorderWeights ? plan.weightsBuffer : user;
    if (plan.reorderWeights && kind != kBackwardWeights) plan.weightsReorder.execute(stream, user, weights);
    if (kind == kForward) {
      plan.conv.execute(stream, {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DST, dst}});
    } else if (kind == kBackwardData) {
      // The rows and columns cropped off (negative padding) are never read by the forward: their
      // gradient is zero, and nothing else writes them. (The output array may be a reused one.)
      if (p[13] < 0 || p[14] < 0) std::memset(x, 0, sizeof(float) * p[0] * p[1] * p[2] * p[3]);
      plan.conv.execute(stream, {{DNNL_ARG_DIFF_SRC, src}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DIFF_DST, dst}});
      if (plan.crop) plan.srcReorder.execute(stream, src, userSrc);
    } else {
      plan.conv.execute(stream, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DIFF_WEIGHTS, weights}, {DNNL_ARG_DIFF_DST, dst}});
      if (plan.reorderWeights) plan.weightsReorder.execute(stream, weights, user);
    }
    stream.wait();
  } catch (const dnnl::error& e) {
    throw Napi::Error::New(info.Env(), std::string("conv: oneDNN failed: ") + e.what());
  }
  return info.Env().Undefined();
}

}  // namespace temper
