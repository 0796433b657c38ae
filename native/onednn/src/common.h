// Shared helpers for the Temper oneDNN addon: typed-array access and argument checks.
#pragma once
#include <napi.h>
#include <cstdint>
#include <string>

namespace temper {

// A Float32Array argument's data; throws a TypeError naming the argument otherwise.
inline float* floats(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name) {
  if (i >= info.Length() || !info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(info.Env(), std::string(fn) + ": " + name + " must be a Float32Array");
  }
  return info[i].As<Napi::Float32Array>().Data();
}

inline size_t length(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::TypedArray>().ElementLength(); }

inline int64_t integer(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name) {
  if (i >= info.Length() || !info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), std::string(fn) + ": " + name + " must be a number");
  return info[i].As<Napi::Number>().Int64Value();
}

inline double number(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name) {
  if (i >= info.Length() || !info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), std::string(fn) + ": " + name + " must be a number");
  return info[i].As<Napi::Number>().DoubleValue();
}

// Below this many elements a parallel region costs more than it saves.
constexpr int64_t kParallelGrain = 32768;

Napi::Value Conv(const Napi::CallbackInfo& info);
Napi::Value MatMul(const Napi::CallbackInfo& info);
Napi::Value Binary(const Napi::CallbackInfo& info);
Napi::Value Unary(const Napi::CallbackInfo& info);
Napi::Value Reduce(const Napi::CallbackInfo& info);
Napi::Value FakeQuant(const Napi::CallbackInfo& info);
Napi::Value FakeQuantGrad(const Napi::CallbackInfo& info);
Napi::Value BatchNormForward(const Napi::CallbackInfo& info);
Napi::Value BatchNormBackward(const Napi::CallbackInfo& info);

}  // namespace temper
