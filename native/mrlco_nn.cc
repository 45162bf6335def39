// The `native` compute backend (see src/nn/backend.ts for the contract and src/nn/js-backend.ts for the
// reference semantics): a row-major SGEMM through OpenBLAS's CBLAS, and the LSTM cell's elementwise
// math fused into single loops. Every call validates its arguments before touching memory, so a bad
// stride or a short array becomes a JS RangeError/TypeError instead of a crash or a silent overrun.
#include <napi.h>

#include <cblas.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>

// OpenBLAS declares these in its cblas.h; another vendor's cblas.h (picked by Debian's alternatives
// when e.g. libblas-dev is installed too) does not, yet we still link libopenblas.
#ifndef OPENBLAS_VERSION
extern "C" {
char* openblas_get_config(void);
int openblas_get_num_threads(void);
char* openblas_get_corename(void);
}
#endif

namespace {

struct F32 {
  float* data;
  uint64_t length;  // in elements, already relative to the view's byteOffset
};

// CBLAS takes int sizes and strides, so anything outside [0, INT32_MAX] is rejected up front.
int GetInt(const Napi::CallbackInfo& info, size_t i, const char* name) {
  Napi::Env env = info.Env();
  if (!info[i].IsNumber()) throw Napi::TypeError::New(env, std::string(name) + " must be a number");
  const double v = info[i].As<Napi::Number>().DoubleValue();
  if (!(v >= 0 && v <= std::numeric_limits<int>::max()) || std::floor(v) != v) {
    throw Napi::RangeError::New(env, std::string(name) + " must be an integer in [0, 2^31-1], got " +
                                         info[i].ToString().Utf8Value());
  }
  return static_cast<int>(v);
}

double GetNumber(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a number");
  return info[i].As<Napi::Number>().DoubleValue();
}

// Data() already includes the view's byteOffset and ElementLength() is the view's own length, so a
// subarray is handled exactly like the JS backend handles it (index 0 = first element of the view).
F32 GetF32(const Napi::CallbackInfo& info, size_t i, const char* name) {
  Napi::Env env = info.Env();
  if (!info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(env, std::string(name) + " must be a Float32Array");
  }
  Napi::Float32Array a = info[i].As<Napi::Float32Array>();
  return F32{a.Data(), static_cast<uint64_t>(a.ElementLength())};
}

void RequireArgs(const Napi::CallbackInfo& info, size_t n, const char* fn) {
  if (info.Length() < n) {
    throw Napi::TypeError::New(info.Env(), std::string(fn) + " expects " + std::to_string(n) + " arguments");
  }
}

// A row-major matrix of rows×cols stored with row stride ld: CBLAS requires ld >= max(1, cols) (it
// would print an xerbla message and do nothing otherwise), and the last element touched is
// (rows-1)·ld + cols-1, which must lie inside the array.
void CheckMatrix(Napi::Env env, const char* name, const F32& a, int rows, int cols, int ld, const char* ldName,
                 bool touched) {
  if (ld < (cols > 1 ? cols : 1)) {
    throw Napi::RangeError::New(env, std::string(ldName) + " = " + std::to_string(ld) + " is smaller than the " +
                                         std::to_string(cols) + " columns of " + name + " as stored");
  }
  if (!touched || rows == 0 || cols == 0) return;
  const uint64_t need = static_cast<uint64_t>(rows - 1) * static_cast<uint64_t>(ld) + static_cast<uint64_t>(cols);
  if (need > a.length) {
    throw Napi::RangeError::New(env, std::string(name) + " needs " + std::to_string(need) + " elements (" +
                                         std::to_string(rows) + "x" + std::to_string(cols) + ", " + ldName +
                                         " " + std::to_string(ld) + ") but has " + std::to_string(a.length));
  }
}

void CheckLength(Napi::Env env, const char* name, const F32& a, uint64_t need) {
  if (need > a.length) {
    throw Napi::RangeError::New(env, std::string(name) + " needs " + std::to_string(need) +
                                         " elements but has " + std::to_string(a.length));
  }
}

// gemm(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc): C = alpha·op(A)·op(B) + beta·C.
Napi::Value Gemm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireArgs(info, 13, "gemm");
  const bool transA = info[0].ToBoolean().Value();
  const bool transB = info[1].ToBoolean().Value();
  const int M = GetInt(info, 2, "M");
  const int N = GetInt(info, 3, "N");
  const int K = GetInt(info, 4, "K");
  const double alpha = GetNumber(info, 5, "alpha");
  const F32 A = GetF32(info, 6, "A");
  const int lda = GetInt(info, 7, "lda");
  const F32 B = GetF32(info, 8, "B");
  const int ldb = GetInt(info, 9, "ldb");
  const double beta = GetNumber(info, 10, "beta");
  const F32 C = GetF32(info, 11, "C");
  const int ldc = GetInt(info, 12, "ldc");

  // A and B are only read when the product term contributes (as in the JS backend).
  const bool product = K > 0 && alpha != 0;
  CheckMatrix(env, "A", A, transA ? K : M, transA ? M : K, lda, "lda", product);
  CheckMatrix(env, "B", B, transB ? N : K, transB ? K : N, ldb, "ldb", product);
  CheckMatrix(env, "C", C, M, N, ldc, "ldc", true);
  if (M == 0 || N == 0) return env.Undefined();

  if (!product) {
    // Only the beta scaling is left; doing it here keeps possibly empty (null-data) A/B away from CBLAS.
    // beta == 0 stores zeros, so NaN garbage in C is discarded as the contract requires.
    const float b = static_cast<float>(beta);
    for (int i = 0; i < M; i++) {
      float* row = C.data + static_cast<size_t>(i) * static_cast<size_t>(ldc);
      if (beta == 0) std::memset(row, 0, sizeof(float) * static_cast<size_t>(N));
      else if (beta != 1)
        for (int j = 0; j < N; j++) row[j] *= b;
    }
    return env.Undefined();
  }

  // OpenBLAS's beta kernel writes zeros when beta == 0 (it does not compute 0·C), so NaNs in C vanish.
  cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, M, N, K,
              static_cast<float>(alpha), A.data, lda, B.data, ldb, static_cast<float>(beta), C.data, ldc);
  return env.Undefined();
}

inline float Sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }

// lstmCellForward(rows, H, gates, cPrev, c, tanhC, h)
Napi::Value LstmCellForward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireArgs(info, 7, "lstmCellForward");
  const int rows = GetInt(info, 0, "rows");
  const int H = GetInt(info, 1, "H");
  const F32 gates = GetF32(info, 2, "gates");
  const F32 cPrev = GetF32(info, 3, "cPrev");
  const F32 c = GetF32(info, 4, "c");
  const F32 tanhC = GetF32(info, 5, "tanhC");
  const F32 h = GetF32(info, 6, "h");
  const uint64_t n = static_cast<uint64_t>(rows) * static_cast<uint64_t>(H);
  CheckLength(env, "gates", gates, 4 * n);
  CheckLength(env, "cPrev", cPrev, n);
  CheckLength(env, "c", c, n);
  CheckLength(env, "tanhC", tanhC, n);
  CheckLength(env, "h", h, n);

  const size_t hs = static_cast<size_t>(H);
  for (size_t r = 0; r < static_cast<size_t>(rows); r++) {
    float* g0 = gates.data + r * 4 * hs;
    const size_t s0 = r * hs;
    for (size_t j = 0; j < hs; j++) {
      const float i = Sigmoid(g0[j]);
      const float f = Sigmoid(g0[hs + j]);
      const float g = tanhf(g0[2 * hs + j]);
      const float o = Sigmoid(g0[3 * hs + j]);
      g0[j] = i;
      g0[hs + j] = f;
      g0[2 * hs + j] = g;
      g0[3 * hs + j] = o;
      // cPrev is read before c is written, so c may alias cPrev (same as the JS backend).
      const float cell = f * cPrev.data[s0 + j] + i * g;
      const float t = tanhf(cell);
      c.data[s0 + j] = cell;
      tanhC.data[s0 + j] = t;
      h.data[s0 + j] = o * t;
    }
  }
  return env.Undefined();
}

// lstmCellBackward(rows, H, gates, cPrev, tanhC, dh, dc, dGates); dc is in/out (dL/dc -> dL/dcPrev).
Napi::Value LstmCellBackward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireArgs(info, 8, "lstmCellBackward");
  const int rows = GetInt(info, 0, "rows");
  const int H = GetInt(info, 1, "H");
  const F32 gates = GetF32(info, 2, "gates");
  const F32 cPrev = GetF32(info, 3, "cPrev");
  const F32 tanhC = GetF32(info, 4, "tanhC");
  const F32 dh = GetF32(info, 5, "dh");
  const F32 dc = GetF32(info, 6, "dc");
  const F32 dGates = GetF32(info, 7, "dGates");
  const uint64_t n = static_cast<uint64_t>(rows) * static_cast<uint64_t>(H);
  CheckLength(env, "gates", gates, 4 * n);
  CheckLength(env, "cPrev", cPrev, n);
  CheckLength(env, "tanhC", tanhC, n);
  CheckLength(env, "dh", dh, n);
  CheckLength(env, "dc", dc, n);
  CheckLength(env, "dGates", dGates, 4 * n);

  const size_t hs = static_cast<size_t>(H);
  for (size_t r = 0; r < static_cast<size_t>(rows); r++) {
    const float* g0 = gates.data + r * 4 * hs;
    float* d0 = dGates.data + r * 4 * hs;
    const size_t s0 = r * hs;
    for (size_t j = 0; j < hs; j++) {
      const float i = g0[j];
      const float f = g0[hs + j];
      const float g = g0[2 * hs + j];
      const float o = g0[3 * hs + j];
      const float t = tanhC.data[s0 + j];
      const float dhj = dh.data[s0 + j];
      const float dcj = dc.data[s0 + j] + dhj * o * (1 - t * t);
      const float cp = cPrev.data[s0 + j];
      d0[j] = dcj * g * i * (1 - i);
      d0[hs + j] = dcj * cp * f * (1 - f);
      d0[2 * hs + j] = dcj * i * (1 - g * g);
      d0[3 * hs + j] = dhj * t * o * (1 - o);
      dc.data[s0 + j] = dcj * f;
    }
  }
  return env.Undefined();
}

// blasInfo(): what `mrlco info` reports, so a slow run can be traced to the BLAS build/core/threads.
Napi::Value BlasInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto trimmed = [](const char* s) {
    std::string out = s != nullptr ? s : "";
    const size_t b = out.find_first_not_of(' ');
    const size_t e = out.find_last_not_of(' ');
    return b == std::string::npos ? std::string() : out.substr(b, e - b + 1);
  };
  Napi::Object o = Napi::Object::New(env);
  o.Set("library", trimmed(openblas_get_config()));
  o.Set("threads", openblas_get_num_threads());
  o.Set("coreType", trimmed(openblas_get_corename()));
  return o;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("gemm", Napi::Function::New(env, Gemm, "gemm"));
  exports.Set("lstmCellForward", Napi::Function::New(env, LstmCellForward, "lstmCellForward"));
  exports.Set("lstmCellBackward", Napi::Function::New(env, LstmCellBackward, "lstmCellBackward"));
  exports.Set("blasInfo", Napi::Function::New(env, BlasInfo, "blasInfo"));
  return exports;
}

}  // namespace

NODE_API_MODULE(mrlco_nn, Init)
