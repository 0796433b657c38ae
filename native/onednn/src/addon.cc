// Entry of the Temper oneDNN addon: version and ISA information, thread count, and the kernels.
#include <omp.h>
#include <cstdlib>
#include <string>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#if !defined(_WIN32)
#include <dlfcn.h>
#endif
#include <oneapi/dnnl/dnnl.hpp>
#include "common.h"

namespace temper {

static const char* IsaName(dnnl_cpu_isa_t isa) {
  switch (isa) {
    case dnnl_cpu_isa_sse41: return "sse41";
    case dnnl_cpu_isa_avx: return "avx";
    case dnnl_cpu_isa_avx2: return "avx2";
    case dnnl_cpu_isa_avx512_mic: return "avx512_mic";
    case dnnl_cpu_isa_avx512_mic_4ops: return "avx512_mic_4ops";
    case dnnl_cpu_isa_avx512_core: return "avx512_core";
    case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni";
    case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16";
    case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx";
    case dnnl_cpu_isa_avx2_vnni: return "avx2_vnni";
    default: return "default";
  }
}

static Napi::Value Info(const Napi::CallbackInfo& info) {
  const dnnl_version_t* v = dnnl_version();
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("version", std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch));
  out.Set("isa", IsaName(dnnl_get_effective_cpu_isa()));
  out.Set("threads", omp_get_max_threads());
  return out;
}

// Threads for this calling thread's later kernels (OpenMP's per-thread setting).
static Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  int64_t n = integer(info, 0, "setThreads", "threads");
  if (n < 1) throw Napi::RangeError::New(info.Env(), "setThreads: threads must be ≥ 1");
  omp_set_num_threads(static_cast<int>(n));
  return info.Env().Undefined();
}

// Tensors here are typed arrays from calloc. glibc hands blocks over 128 KiB out as fresh mmaps and
// unmaps them on free, so every activation of every step page-faults in anew; keeping blocks up to
// glibc's 32 MiB ceiling in the heap, and not trimming it, lets a training step reuse last step's memory.
static void KeepLargeBlocksInHeap() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
  mallopt(M_TRIM_THRESHOLD, 1024 * 1024 * 1024);
#endif
}

// Node unloads an addon when the worker thread that loaded it ends, and with it oneDNN and the
// OpenMP runtime. OpenMP's pool threads outlive that thread (the runtime never joins them): one still
// spinning in the unloaded runtime's code takes the process down (SIGSEGV, exit 139). Marking this
// library never-unloaded keeps it and what it links mapped for the life of the process.
static void StayLoaded(Napi::Env env) {
#if !defined(_WIN32)
  Dl_info self;
  if (dladdr(reinterpret_cast<void*>(&StayLoaded), &self) == 0 || self.dli_fname == nullptr ||
      dlopen(self.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE) == nullptr) {
    const char* why = dlerror();
    throw Napi::Error::New(env, std::string("the oneDNN addon cannot keep itself loaded (") + (why ? why : "dladdr failed") + ")");
  }
#endif
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  StayLoaded(env);
  KeepLargeBlocksInHeap();
  exports.Set("info", Napi::Function::New(env, Info));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads));
  exports.Set("conv", Napi::Function::New(env, Conv));
  exports.Set("matMul", Napi::Function::New(env, MatMul));
  exports.Set("binary", Napi::Function::New(env, Binary));
  exports.Set("unary", Napi::Function::New(env, Unary));
  exports.Set("reduce", Napi::Function::New(env, Reduce));
  exports.Set("fakeQuant", Napi::Function::New(env, FakeQuant));
  exports.Set("fakeQuantGrad", Napi::Function::New(env, FakeQuantGrad));
  exports.Set("batchNormForward", Napi::Function::New(env, BatchNormForward));
  exports.Set("batchNormBackward", Napi::Function::New(env, BatchNormBackward));
  return exports;
}

}  // namespace temper

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return temper::Init(env, exports); }

NODE_API_MODULE(temper_onednn, InitAddon)
