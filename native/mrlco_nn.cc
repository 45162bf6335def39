// The `native` compute backend (see src/nn/backend.ts for the contract and src/nn/js-backend.ts for the
// reference semantics): a row-major SGEMM, either OpenBLAS's CBLAS or the builtin AVX2/AVX-512 one of
// sgemm.cc, and the elementwise math of the LSTM cell (plain and layer-normalised) and of the additive
// attention score fused into single loops (lstm_cell.cc). Every call validates its arguments before
// touching memory, so a bad stride or a short array becomes a JS RangeError/TypeError instead of a
// crash or a silent overrun.
#include <napi.h>

#include <cblas.h>

#include <atomic>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <limits>
#include <new>
#include <string>

#include "cpu.h"
#include "lstm_cell.h"
#include "sgemm.h"

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

// Which GEMM runs. OpenBLAS picks its kernel from the CPU at load time, and when it does not know the
// CPU (Debian 12's 0.3.21 on Sapphire Rapids, for one) it falls back to a generic SSE "Prescott"
// kernel at a fraction of the machine's speed. Then, if the CPU has AVX2+FMA, the builtin GEMM is used
// instead. The choice depends only on the machine (and MRLCO_GEMM), never on the call.
enum class GemmKernel { kOpenBLAS, kBuiltinAvx2, kBuiltinAvx512 };

std::atomic<GemmKernel> g_gemm{GemmKernel::kOpenBLAS};
std::atomic<mrlco::CellKernel> g_cell{mrlco::CellKernel::kScalar};

const char* GemmKernelName(GemmKernel k) {
  switch (k) {
    case GemmKernel::kBuiltinAvx2: return "builtin-avx2";
    case GemmKernel::kBuiltinAvx512: return "builtin-avx512";
    default: return "openblas";
  }
}

const char* CellKernelName(mrlco::CellKernel k) {
  switch (k) {
    case mrlco::CellKernel::kAvx2: return "avx2";
    case mrlco::CellKernel::kAvx512: return "avx512";
    default: return "scalar";
  }
}

std::string Trimmed(const char* s) {
  std::string out = s != nullptr ? s : "";
  const size_t b = out.find_first_not_of(' ');
  const size_t e = out.find_last_not_of(' ');
  return b == std::string::npos ? std::string() : out.substr(b, e - b + 1);
}

// OpenBLAS's generic x86 cores, all older than AVX2: when OpenBLAS reports one of these (or a name it
// could not determine) it is not using the CPU's vector units, whatever the CPU has.
bool OpenBlasCoreIsGeneric() {
  std::string core = Trimmed(openblas_get_corename());
  for (char& ch : core) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  for (const char* generic : {"prescott", "core2", "penryn", "dunnington", "nehalem", "atom", "katmai",
                              "coppermine", "northwood", "banias", "unknown", ""}) {
    if (core == generic) return true;
  }
  return false;
}

GemmKernel BestBuiltinGemm() {
  if (mrlco::CpuSupports(mrlco::Isa::kAvx512)) return GemmKernel::kBuiltinAvx512;
  if (mrlco::CpuSupports(mrlco::Isa::kAvx2)) return GemmKernel::kBuiltinAvx2;
  return GemmKernel::kOpenBLAS;
}

GemmKernel AutoGemm() { return OpenBlasCoreIsGeneric() ? BestBuiltinGemm() : GemmKernel::kOpenBLAS; }

mrlco::CellKernel AutoCell() {
  if (mrlco::CpuSupports(mrlco::Isa::kAvx512)) return mrlco::CellKernel::kAvx512;
  if (mrlco::CpuSupports(mrlco::Isa::kAvx2)) return mrlco::CellKernel::kAvx2;
  return mrlco::CellKernel::kScalar;
}

// Resolves a GEMM name (MRLCO_GEMM or setGemmKernel): 'auto', 'openblas', 'builtin' (the best builtin
// this CPU runs, OpenBLAS if none), or an explicit 'builtin-avx2' / 'builtin-avx512'. Returns an error
// message for an unknown name or an ISA this CPU lacks.
std::string ResolveGemm(const std::string& name, GemmKernel* out) {
  if (name == "auto" || name.empty()) *out = AutoGemm();
  else if (name == "openblas") *out = GemmKernel::kOpenBLAS;
  else if (name == "builtin") *out = BestBuiltinGemm();
  else if (name == "builtin-avx2" || name == "builtin-avx512") {
    const mrlco::Isa isa = name == "builtin-avx2" ? mrlco::Isa::kAvx2 : mrlco::Isa::kAvx512;
    if (!mrlco::CpuSupports(isa)) return "this CPU cannot run the " + name + " GEMM";
    *out = isa == mrlco::Isa::kAvx2 ? GemmKernel::kBuiltinAvx2 : GemmKernel::kBuiltinAvx512;
  } else {
    return "must be 'auto', 'openblas', 'builtin', 'builtin-avx2' or 'builtin-avx512', got '" + name + "'";
  }
  return "";
}

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

  const GemmKernel kernel = g_gemm.load(std::memory_order_relaxed);
  if (kernel != GemmKernel::kOpenBLAS) {
    // The builtin GEMM stores alpha·AB without reading C when beta == 0, so NaNs in C vanish too.
    try {
      mrlco::BuiltinSgemm(kernel == GemmKernel::kBuiltinAvx512 ? mrlco::Isa::kAvx512 : mrlco::Isa::kAvx2, transA,
                          transB, M, N, K, static_cast<float>(alpha), A.data, lda, B.data, ldb,
                          static_cast<float>(beta), C.data, ldc);
    } catch (const std::bad_alloc&) {
      throw Napi::Error::New(env, "gemm: out of memory for the packing buffers");
    } catch (const std::exception& e) {
      throw Napi::Error::New(env, std::string("gemm: ") + e.what());
    }
    return env.Undefined();
  }
  // OpenBLAS's beta kernel writes zeros when beta == 0 (it does not compute 0·C), so NaNs in C vanish.
  cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, M, N, K,
              static_cast<float>(alpha), A.data, lda, B.data, ldb, static_cast<float>(beta), C.data, ldc);
  return env.Undefined();
}

// biasTanh(rows, cols, y, bias | null): y = tanh(y + bias) row by row.
Napi::Value BiasTanhFn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireArgs(info, 4, "biasTanh");
  const int rows = GetInt(info, 0, "rows");
  const int cols = GetInt(info, 1, "cols");
  const F32 y = GetF32(info, 2, "y");
  const uint64_t n = static_cast<uint64_t>(rows) * static_cast<uint64_t>(cols);
  CheckLength(env, "y", y, n);
  const float* bias = nullptr;
  if (!info[3].IsNull()) {
    const F32 b = GetF32(info, 3, "bias");
    CheckLength(env, "bias", b, static_cast<uint64_t>(cols));
    bias = b.data;
  }
  mrlco::BiasTanh(g_cell.load(std::memory_order_relaxed), static_cast<size_t>(rows), static_cast<size_t>(cols),
                  y.data, bias);
  return env.Undefined();
}

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

  mrlco::LstmCellForward(g_cell.load(std::memory_order_relaxed), static_cast<size_t>(rows), static_cast<size_t>(H),
                         gates.data, cPrev.data, c.data, tanhC.data, h.data);
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

  mrlco::LstmCellBackward(g_cell.load(std::memory_order_relaxed), static_cast<size_t>(rows), static_cast<size_t>(H),
                          gates.data, cPrev.data, tanhC.data, dh.data, dc.data, dGates.data);
  return env.Undefined();
}

// lstmCellLnForward(rows, H, gates, cPrev, c, tanhC, h, gain, bias, cellGain, cellBias, gateXhat,
// gateInvStd, cellXhat, cellInvStd)
Napi::Value LstmCellLnForward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireArgs(info, 15, "lstmCellLnForward");
  const int rows = GetInt(info, 0, "rows");
  const int H = GetInt(info, 1, "H");
  const F32 gates = GetF32(info, 2, "gates");
  const F32 cPrev = GetF32(info, 3, "cPrev");
  const F32 c = GetF32(info, 4, "c");
  const F32 tanhC = GetF32(info, 5, "tanhC");
  const F32 h = GetF32(info, 6, "h");
  const F32 gain = GetF32(info, 7, "gain");
  const F32 bias = GetF32(info, 8, "bias");
  const F32 cellGain = GetF32(info, 9, "cellGain");
  const F32 cellBias = GetF32(info, 10, "cellBias");
  const F32 gateXhat = GetF32(info, 11, "gateXhat");
  const F32 gateInvStd = GetF32(info, 12, "gateInvStd");
  const F32 cellXhat = GetF32(info, 13, "cellXhat");
  const F32 cellInvStd = GetF32(info, 14, "cellInvStd");
  const uint64_t r = static_cast<uint64_t>(rows);
  const uint64_t n = r * static_cast<uint64_t>(H);
  CheckLength(env, "gates", gates, 4 * n);
  CheckLength(env, "cPrev", cPrev, n);
  CheckLength(env, "c", c, n);
  CheckLength(env, "tanhC", tanhC, n);
  CheckLength(env, "h", h, n);
  CheckLength(env, "gain", gain, 4 * static_cast<uint64_t>(H));
  CheckLength(env, "bias", bias, 4 * static_cast<uint64_t>(H));
  CheckLength(env, "cellGain", cellGain, static_cast<uint64_t>(H));
  CheckLength(env, "cellBias", cellBias, static_cast<uint64_t>(H));
  CheckLength(env, "gateXhat", gateXhat, 4 * n);
  CheckLength(env, "gateInvStd", gateInvStd, 4 * r);
  CheckLength(env, "cellXhat", cellXhat, n);
  CheckLength(env, "cellInvStd", cellInvStd, r);
  if (rows == 0 || H == 0) return env.Undefined();

  const mrlco::LnParams params{gain.data, bias.data, cellGain.data, cellBias.data};
  const mrlco::LnCache cache{gateXhat.data, gateInvStd.data, cellXhat.data, cellInvStd.data};
  mrlco::LstmCellLnForward(g_cell.load(std::memory_order_relaxed), static_cast<size_t>(rows),
                           static_cast<size_t>(H), gates.data, cPrev.data, c.data, tanhC.data, h.data, params,
                           cache);
  return env.Undefined();
}

// lstmCellLnBackward(rows, H, gates, cPrev, tanhC, dh, dc, dGates, gain, cellGain, gateXhat, gateInvStd,
// cellXhat, cellInvStd, dGain, dBias, dCellGain, dCellBias); dc is in/out, the last four accumulate.
Napi::Value LstmCellLnBackward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireArgs(info, 18, "lstmCellLnBackward");
  const int rows = GetInt(info, 0, "rows");
  const int H = GetInt(info, 1, "H");
  const F32 gates = GetF32(info, 2, "gates");
  const F32 cPrev = GetF32(info, 3, "cPrev");
  const F32 tanhC = GetF32(info, 4, "tanhC");
  const F32 dh = GetF32(info, 5, "dh");
  const F32 dc = GetF32(info, 6, "dc");
  const F32 dGates = GetF32(info, 7, "dGates");
  const F32 gain = GetF32(info, 8, "gain");
  const F32 cellGain = GetF32(info, 9, "cellGain");
  const F32 gateXhat = GetF32(info, 10, "gateXhat");
  const F32 gateInvStd = GetF32(info, 11, "gateInvStd");
  const F32 cellXhat = GetF32(info, 12, "cellXhat");
  const F32 cellInvStd = GetF32(info, 13, "cellInvStd");
  const F32 dGain = GetF32(info, 14, "dGain");
  const F32 dBias = GetF32(info, 15, "dBias");
  const F32 dCellGain = GetF32(info, 16, "dCellGain");
  const F32 dCellBias = GetF32(info, 17, "dCellBias");
  const uint64_t r = static_cast<uint64_t>(rows);
  const uint64_t n = r * static_cast<uint64_t>(H);
  const uint64_t h64 = static_cast<uint64_t>(H);
  CheckLength(env, "gates", gates, 4 * n);
  CheckLength(env, "cPrev", cPrev, n);
  CheckLength(env, "tanhC", tanhC, n);
  CheckLength(env, "dh", dh, n);
  CheckLength(env, "dc", dc, n);
  CheckLength(env, "dGates", dGates, 4 * n);
  CheckLength(env, "gain", gain, 4 * h64);
  CheckLength(env, "cellGain", cellGain, h64);
  CheckLength(env, "gateXhat", gateXhat, 4 * n);
  CheckLength(env, "gateInvStd", gateInvStd, 4 * r);
  CheckLength(env, "cellXhat", cellXhat, n);
  CheckLength(env, "cellInvStd", cellInvStd, r);
  CheckLength(env, "dGain", dGain, 4 * h64);
  CheckLength(env, "dBias", dBias, 4 * h64);
  CheckLength(env, "dCellGain", dCellGain, h64);
  CheckLength(env, "dCellBias", dCellBias, h64);
  if (rows == 0 || H == 0) return env.Undefined();

  const mrlco::LnParams params{gain.data, nullptr, cellGain.data, nullptr};
  const mrlco::LnCache cache{gateXhat.data, gateInvStd.data, cellXhat.data, cellInvStd.data};
  const mrlco::LnGrads grads{dGain.data, dBias.data, dCellGain.data, dCellBias.data};
  mrlco::LstmCellLnBackward(g_cell.load(std::memory_order_relaxed), static_cast<size_t>(rows),
                            static_cast<size_t>(H), gates.data, cPrev.data, tanhC.data, dh.data, dc.data,
                            dGates.data, params, cache, grads);
  return env.Undefined();
}

// additiveAttentionForward(B, Ld, Le, H, P, Q, v, hidden, scores)
Napi::Value AdditiveAttentionForward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireArgs(info, 9, "additiveAttentionForward");
  const uint64_t B = static_cast<uint64_t>(GetInt(info, 0, "B"));
  const uint64_t Ld = static_cast<uint64_t>(GetInt(info, 1, "Ld"));
  const uint64_t Le = static_cast<uint64_t>(GetInt(info, 2, "Le"));
  const uint64_t H = static_cast<uint64_t>(GetInt(info, 3, "H"));
  const F32 P = GetF32(info, 4, "P");
  const F32 Q = GetF32(info, 5, "Q");
  const F32 v = GetF32(info, 6, "v");
  const F32 hidden = GetF32(info, 7, "hidden");
  const F32 scores = GetF32(info, 8, "scores");
  CheckLength(env, "P", P, B * Le * H);
  CheckLength(env, "Q", Q, B * Ld * H);
  CheckLength(env, "v", v, H);
  CheckLength(env, "hidden", hidden, B * Ld * Le * H);
  CheckLength(env, "scores", scores, B * Ld * Le);
  if (B * Ld * Le == 0) return env.Undefined();
  mrlco::AdditiveAttentionForward(g_cell.load(std::memory_order_relaxed), B, Ld, Le, H, P.data, Q.data, v.data,
                                  hidden.data, scores.data);
  return env.Undefined();
}

// additiveAttentionBackward(B, Ld, Le, H, v, hidden, dScores, dP, dQ, dv); dP, dQ, dv accumulate.
Napi::Value AdditiveAttentionBackward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireArgs(info, 10, "additiveAttentionBackward");
  const uint64_t B = static_cast<uint64_t>(GetInt(info, 0, "B"));
  const uint64_t Ld = static_cast<uint64_t>(GetInt(info, 1, "Ld"));
  const uint64_t Le = static_cast<uint64_t>(GetInt(info, 2, "Le"));
  const uint64_t H = static_cast<uint64_t>(GetInt(info, 3, "H"));
  const F32 v = GetF32(info, 4, "v");
  const F32 hidden = GetF32(info, 5, "hidden");
  const F32 dScores = GetF32(info, 6, "dScores");
  const F32 dP = GetF32(info, 7, "dP");
  const F32 dQ = GetF32(info, 8, "dQ");
  const F32 dv = GetF32(info, 9, "dv");
  CheckLength(env, "v", v, H);
  CheckLength(env, "hidden", hidden, B * Ld * Le * H);
  CheckLength(env, "dScores", dScores, B * Ld * Le);
  CheckLength(env, "dP", dP, B * Le * H);
  CheckLength(env, "dQ", dQ, B * Ld * H);
  CheckLength(env, "dv", dv, H);
  if (B * Ld * Le * H == 0) return env.Undefined();
  mrlco::AdditiveAttentionBackward(g_cell.load(std::memory_order_relaxed), B, Ld, Le, H, v.data, hidden.data,
                                   dScores.data, dP.data, dQ.data, dv.data);
  return env.Undefined();
}

// blasInfo(): what `mrlco info` reports, so a slow run can be traced to the BLAS build/core/threads and
// to the GEMM and cell kernels actually in use.
Napi::Value BlasInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("library", Trimmed(openblas_get_config()));
  o.Set("threads", openblas_get_num_threads());
  o.Set("coreType", Trimmed(openblas_get_corename()));
  o.Set("gemm", GemmKernelName(g_gemm.load()));
  o.Set("gemmThreads", g_gemm.load() == GemmKernel::kOpenBLAS ? openblas_get_num_threads() : mrlco::BuiltinThreads());
  o.Set("cell", CellKernelName(g_cell.load()));
  return o;
}

// gemmKernel(): 'openblas' | 'builtin-avx2' | 'builtin-avx512'.
Napi::Value GemmKernelInfo(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), GemmKernelName(g_gemm.load()));
}

// setGemmKernel(name) -> gemmKernel(): for tests and benchmarks, which compare the GEMMs in one
// process. Names as MRLCO_GEMM, plus 'auto' (the load-time default without MRLCO_GEMM).
Napi::Value SetGemmKernel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "setGemmKernel expects a name");
  GemmKernel k = GemmKernel::kOpenBLAS;
  const std::string error = ResolveGemm(info[0].As<Napi::String>().Utf8Value(), &k);
  if (!error.empty()) throw Napi::RangeError::New(env, "setGemmKernel: " + error);
  g_gemm.store(k);
  return Napi::String::New(env, GemmKernelName(k));
}

// setGemmThreads(n) -> the previous count: sets the builtin GEMM's threads (clamped to 1..2), for the
// test that the two-thread split gives bit-identical results. Load time sets it from OpenBLAS's own
// count (OPENBLAS_NUM_THREADS, or the CPUs when unset), capped at 2.
Napi::Value SetGemmThreads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireArgs(info, 1, "setGemmThreads");
  const int previous = mrlco::BuiltinThreads();
  mrlco::SetBuiltinThreads(GetInt(info, 0, "threads"));
  return Napi::Number::New(env, previous);
}

// cellKernel(): 'scalar' | 'avx2' | 'avx512', the kernels of the LSTM cells and the additive attention.
Napi::Value CellKernelInfo(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), CellKernelName(g_cell.load()));
}

// setCellKernel('auto' | 'scalar' | 'avx2' | 'avx512') -> cellKernel(): for tests, so that the scalar
// path (the one CPUs without AVX2 run) is checked on this machine too.
Napi::Value SetCellKernel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "setCellKernel expects a name");
  const std::string name = info[0].As<Napi::String>().Utf8Value();
  mrlco::CellKernel k;
  if (name == "auto") k = AutoCell();
  else if (name == "scalar") k = mrlco::CellKernel::kScalar;
  else if (name == "avx2" || name == "avx512") {
    if (!mrlco::CpuSupports(name == "avx2" ? mrlco::Isa::kAvx2 : mrlco::Isa::kAvx512))
      throw Napi::RangeError::New(env, "setCellKernel: this CPU cannot run the " + name + " kernels");
    k = name == "avx2" ? mrlco::CellKernel::kAvx2 : mrlco::CellKernel::kAvx512;
  } else {
    throw Napi::RangeError::New(env, "setCellKernel: must be 'auto', 'scalar', 'avx2' or 'avx512', got '" + name + "'");
  }
  g_cell.store(k);
  return Napi::String::New(env, CellKernelName(k));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // MRLCO_GEMM=openblas|builtin|builtin-avx2|builtin-avx512 overrides the automatic choice; a bad value
  // fails the load (with this message) rather than being ignored.
  // The defaults are set once per process: a worker thread loading the addon again must not reset
  // them under the threads already running.
  static const std::string error = [] {
    const char* requested = std::getenv("MRLCO_GEMM");
    GemmKernel gemm = GemmKernel::kOpenBLAS;
    std::string e = ResolveGemm(requested != nullptr ? Trimmed(requested) : "", &gemm);
    g_gemm.store(gemm);
    g_cell.store(AutoCell());
    mrlco::SetBuiltinThreads(openblas_get_num_threads());
    return e;
  }();
  if (!error.empty()) throw Napi::Error::New(env, "MRLCO_GEMM " + error);

  exports.Set("gemm", Napi::Function::New(env, Gemm, "gemm"));
  exports.Set("lstmCellForward", Napi::Function::New(env, LstmCellForward, "lstmCellForward"));
  exports.Set("biasTanh", Napi::Function::New(env, BiasTanhFn, "biasTanh"));
  exports.Set("lstmCellBackward", Napi::Function::New(env, LstmCellBackward, "lstmCellBackward"));
  exports.Set("lstmCellLnForward", Napi::Function::New(env, LstmCellLnForward, "lstmCellLnForward"));
  exports.Set("lstmCellLnBackward", Napi::Function::New(env, LstmCellLnBackward, "lstmCellLnBackward"));
  exports.Set("additiveAttentionForward",
              Napi::Function::New(env, AdditiveAttentionForward, "additiveAttentionForward"));
  exports.Set("additiveAttentionBackward",
              Napi::Function::New(env, AdditiveAttentionBackward, "additiveAttentionBackward"));
  exports.Set("blasInfo", Napi::Function::New(env, BlasInfo, "blasInfo"));
  exports.Set("gemmKernel", Napi::Function::New(env, GemmKernelInfo, "gemmKernel"));
  exports.Set("setGemmKernel", Napi::Function::New(env, SetGemmKernel, "setGemmKernel"));
  exports.Set("setGemmThreads", Napi::Function::New(env, SetGemmThreads, "setGemmThreads"));
  exports.Set("cellKernel", Napi::Function::New(env, CellKernelInfo, "cellKernel"));
  exports.Set("setCellKernel", Napi::Function::New(env, SetCellKernel, "setCellKernel"));
  return exports;
}

}  // namespace

NODE_API_MODULE(mrlco_nn, Init)
