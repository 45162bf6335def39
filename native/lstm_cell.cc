// LSTM cell and additive attention kernels (see lstm_cell.h): the scalar reference and, on x86-64, AVX2
// and AVX-512 copies of lstm_cell_simd.inc. The cell forward is dominated by its five exp/tanh per
// element, which libm evaluates one at a time (~160 ms of a B=100, H=256 train step), and the additive
// attention by its B·Ld·Le·H tanh; the vector copies do 8 or 16 at once.
#include "lstm_cell.h"

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "cpu.h"

#if MRLCO_X86_KERNELS
#include <immintrin.h>
#endif

namespace mrlco {

namespace scalar {

inline float Sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }

void Forward(size_t rows, size_t H, float* gates, const float* cPrev, float* c, float* tanhC, float* h) {
  for (size_t r = 0; r < rows; r++) {
    float* g0 = gates + r * 4 * H;
    const size_t s0 = r * H;
    for (size_t j = 0; j < H; j++) {
      const float i = Sigmoid(g0[j]);
      const float f = Sigmoid(g0[H + j]);
      const float g = tanhf(g0[2 * H + j]);
      const float o = Sigmoid(g0[3 * H + j]);
      g0[j] = i;
      g0[H + j] = f;
      g0[2 * H + j] = g;
      g0[3 * H + j] = o;
      // cPrev is read before c is written, so c may alias cPrev (same as the JS backend).
      const float cell = f * cPrev[s0 + j] + i * g;
      const float t = tanhf(cell);
      c[s0 + j] = cell;
      tanhC[s0 + j] = t;
      h[s0 + j] = o * t;
    }
  }
}

void Backward(size_t rows, size_t H, const float* gates, const float* cPrev, const float* tanhC, const float* dh,
              float* dc, float* dGates) {
  for (size_t r = 0; r < rows; r++) {
    const float* g0 = gates + r * 4 * H;
    float* d0 = dGates + r * 4 * H;
    const size_t s0 = r * H;
    for (size_t j = 0; j < H; j++) {
      const float i = g0[j];
      const float f = g0[H + j];
      const float g = g0[2 * H + j];
      const float o = g0[3 * H + j];
      const float t = tanhC[s0 + j];
      const float dhj = dh[s0 + j];
      const float dcj = dc[s0 + j] + dhj * o * (1 - t * t);
      const float cp = cPrev[s0 + j];
      d0[j] = dcj * g * i * (1 - i);
      d0[H + j] = dcj * cp * f * (1 - f);
      d0[2 * H + j] = dcj * i * (1 - g * g);
      d0[3 * H + j] = dhj * t * o * (1 - o);
      dc[s0 + j] = dcj * f;
    }
  }
}

constexpr float kLnEps = 1e-5f;  // as layer-norm.ts and the js backend

// Mean and 1/σ of x[0..H), two passes (as the js backend), accumulated in double.
inline void MeanInvStd(size_t H, const float* x, float* mean, float* invStd) {
  double sum = 0;
  for (size_t j = 0; j < H; j++) sum += x[j];
  const double m = sum / static_cast<double>(H);
  double sq = 0;
  for (size_t j = 0; j < H; j++) sq += (x[j] - m) * (x[j] - m);
  *mean = static_cast<float>(m);
  *invStd = static_cast<float>(1.0 / std::sqrt(sq / static_cast<double>(H) + static_cast<double>(kLnEps)));
}

void LnForward(size_t rows, size_t H, float* gates, const float* cPrev, float* c, float* tanhC, float* h,
               const LnParams& p, const LnCache& cache) {
  const size_t G = 4 * H;
  for (size_t r = 0; r < rows; r++) {
    float* g0 = gates + r * G;
    float* xh0 = cache.gateXhat + r * G;
    for (size_t k = 0; k < 4; k++) {
      float* x = g0 + k * H;
      float mean, is;
      MeanInvStd(H, x, &mean, &is);
      cache.gateInvStd[r * 4 + k] = is;
      for (size_t j = 0; j < H; j++) {
        const float xh = (x[j] - mean) * is;
        xh0[k * H + j] = xh;
        x[j] = p.gain[k * H + j] * xh + p.bias[k * H + j];
      }
    }
    const size_t s0 = r * H;
    for (size_t j = 0; j < H; j++) {
      const float i = Sigmoid(g0[j]);
      const float f = Sigmoid(g0[H + j]);
      const float g = tanhf(g0[2 * H + j]);
      const float o = Sigmoid(g0[3 * H + j]);
      g0[j] = i;
      g0[H + j] = f;
      g0[2 * H + j] = g;
      g0[3 * H + j] = o;
      c[s0 + j] = f * cPrev[s0 + j] + i * g;  // the raw cell state, normalised below
    }
    float mean, is;
    MeanInvStd(H, c + s0, &mean, &is);
    cache.cellInvStd[r] = is;
    for (size_t j = 0; j < H; j++) {
      const float xh = (c[s0 + j] - mean) * is;
      cache.cellXhat[s0 + j] = xh;
      const float cn = p.cellGain[j] * xh + p.cellBias[j];
      const float t = tanhf(cn);
      c[s0 + j] = cn;
      tanhC[s0 + j] = t;
      h[s0 + j] = g0[3 * H + j] * t;
    }
  }
}

// The js backend's order of operations. dGates holds the gradients of the activations until the last
// pass turns them into those of the pre-activations; dc holds dL/d(normalised c) in between.
void LnBackward(size_t rows, size_t H, const float* gates, const float* cPrev, const float* tanhC, const float* dh,
                float* dc, float* dGates, const LnParams& p, const LnCache& cache, const LnGrads& grads) {
  const size_t G = 4 * H;
  const double invH = 1.0 / static_cast<double>(H);
  for (size_t r = 0; r < rows; r++) {
    const float* g0 = gates + r * G;
    const float* xh0 = cache.gateXhat + r * G;
    float* d0 = dGates + r * G;
    const size_t s0 = r * H;
    const float* cx = cache.cellXhat + s0;
    double meanD = 0, meanDX = 0;
    for (size_t j = 0; j < H; j++) {
      const float o = g0[3 * H + j];
      const float t = tanhC[s0 + j];
      const float d = dc[s0 + j] + dh[s0 + j] * o * (1 - t * t);
      dc[s0 + j] = d;
      d0[3 * H + j] = dh[s0 + j] * t * o * (1 - o);
      grads.cellBias[j] += d;
      grads.cellGain[j] += d * cx[j];
      const float dxh = d * p.cellGain[j];
      meanD += dxh;
      meanDX += dxh * cx[j];
    }
    const float mD = static_cast<float>(meanD * invH);
    const float mDX = static_cast<float>(meanDX * invH);
    const float is = cache.cellInvStd[r];
    for (size_t j = 0; j < H; j++) {
      const float dRaw = is * (dc[s0 + j] * p.cellGain[j] - mD - cx[j] * mDX);
      const float i = g0[j];
      const float f = g0[H + j];
      const float g = g0[2 * H + j];
      d0[j] = dRaw * g * i * (1 - i);
      d0[H + j] = dRaw * cPrev[s0 + j] * f * (1 - f);
      d0[2 * H + j] = dRaw * i * (1 - g * g);
      dc[s0 + j] = dRaw * f;
    }
    for (size_t k = 0; k < 4; k++) {
      const size_t o = k * H;
      double sD = 0, sDX = 0;
      for (size_t j = 0; j < H; j++) {
        const float d = d0[o + j];
        const float xh = xh0[o + j];
        grads.bias[o + j] += d;
        grads.gain[o + j] += d * xh;
        const float dxh = d * p.gain[o + j];
        sD += dxh;
        sDX += dxh * xh;
      }
      const float m = static_cast<float>(sD * invH);
      const float mx = static_cast<float>(sDX * invH);
      const float isk = cache.gateInvStd[r * 4 + k];
      for (size_t j = 0; j < H; j++) d0[o + j] = isk * (d0[o + j] * p.gain[o + j] - m - xh0[o + j] * mx);
    }
  }
}

void BiasTanh(size_t rows, size_t cols, float* y, const float* bias) {
  for (size_t r = 0; r < rows; r++)
    for (size_t j = 0; j < cols; j++) y[r * cols + j] = tanhf(y[r * cols + j] + (bias ? bias[j] : 0.0f));
}

void AttentionForward(size_t B, size_t Ld, size_t Le, size_t H, const float* P, const float* Q, const float* v,
                      float* hidden, float* scores) {
  for (size_t b = 0; b < B; b++)
    for (size_t t = 0; t < Ld; t++) {
      const float* q = Q + (b * Ld + t) * H;
      for (size_t i = 0; i < Le; i++) {
        const float* p = P + (b * Le + i) * H;
        float* hid = hidden + ((b * Ld + t) * Le + i) * H;
        float s = 0;
        for (size_t j = 0; j < H; j++) {
          const float th = tanhf(p[j] + q[j]);
          hid[j] = th;
          s += v[j] * th;
        }
        scores[(b * Ld + t) * Le + i] = s;
      }
    }
}

void AttentionBackward(size_t B, size_t Ld, size_t Le, size_t H, const float* v, const float* hidden,
                       const float* dScores, float* dP, float* dQ, float* dv) {
  for (size_t b = 0; b < B; b++)
    for (size_t t = 0; t < Ld; t++) {
      float* dq = dQ + (b * Ld + t) * H;
      for (size_t i = 0; i < Le; i++) {
        const float ds = dScores[(b * Ld + t) * Le + i];
        if (ds == 0) continue;
        float* dp = dP + (b * Le + i) * H;
        const float* hid = hidden + ((b * Ld + t) * Le + i) * H;
        for (size_t j = 0; j < H; j++) {
          const float th = hid[j];
          dv[j] += ds * th;
          const float dPre = ds * v[j] * (1 - th * th);
          dp[j] += dPre;
          dq[j] += dPre;
        }
      }
    }
}

}  // namespace scalar

#if MRLCO_X86_KERNELS

#pragma GCC push_options
#pragma GCC target("avx2,fma")
namespace avx2 {

using V = __m256;
using Mask = __m256;
constexpr int W = 8;

inline V Set(float x) { return _mm256_set1_ps(x); }
inline V Add(V a, V b) { return _mm256_add_ps(a, b); }
inline V Sub(V a, V b) { return _mm256_sub_ps(a, b); }
inline V Mul(V a, V b) { return _mm256_mul_ps(a, b); }
inline V Div(V a, V b) { return _mm256_div_ps(a, b); }
inline V Fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
inline V Fnma(V a, V b, V c) { return _mm256_fnmadd_ps(a, b, c); }
inline V Min(V a, V b) { return _mm256_min_ps(a, b); }
inline V Max(V a, V b) { return _mm256_max_ps(a, b); }
inline V Abs(V a) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a); }
inline V CopySign(V mag, V sign) {
  return _mm256_or_ps(mag, _mm256_and_ps(sign, _mm256_set1_ps(-0.0f)));
}
inline Mask Less(V a, V b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
inline V Select(Mask m, V t, V f) { return _mm256_blendv_ps(f, t, m); }
inline V RoundNearest(V a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
inline V Pow2(V n) {
  const __m256i e = _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127));
  return _mm256_castsi256_ps(_mm256_slli_epi32(e, 23));
}
// Masked lanes are neither read nor written (no fault past the end of an array).
inline __m256i LaneMask(int n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
inline V LoadN(const float* p, int n) { return n == W ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, LaneMask(n)); }
inline void StoreN(float* p, V v, int n) {
  if (n == W) _mm256_storeu_ps(p, v);
  else _mm256_maskstore_ps(p, LaneMask(n), v);
}
// Lanes n.. set to zero.
inline V KeepN(V v, int n) { return _mm256_and_ps(v, _mm256_castsi256_ps(LaneMask(n))); }
inline float ReduceAdd(V v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
// A float64 accumulator of W lanes (two halves), for the layer-norm sums.
// (An explicit constructor: an implicit one would be compiled without this region's target ISA.)
struct Acc {
  __m256d lo, hi;
  Acc() : lo(_mm256_setzero_pd()), hi(_mm256_setzero_pd()) {}
};
inline void Accumulate(Acc* a, V v) {
  a->lo = _mm256_add_pd(a->lo, _mm256_cvtps_pd(_mm256_castps256_ps128(v)));
  a->hi = _mm256_add_pd(a->hi, _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
}
inline double Total(const Acc& a) {
  const __m256d s4 = _mm256_add_pd(a.lo, a.hi);
  __m128d s = _mm_add_pd(_mm256_castpd256_pd128(s4), _mm256_extractf128_pd(s4, 1));
  s = _mm_add_sd(s, _mm_unpackhi_pd(s, s));
  return _mm_cvtsd_f64(s);
}

#include "lstm_cell_simd.inc"

}  // namespace avx2
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx512f,avx2,fma")
// GCC 12's avx512fintrin.h trips -W(maybe-)uninitialized on its own _mm512_undefined_ps and
// _mm256_undefined_pd (GCC PR 105593).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
namespace avx512 {

using V = __m512;
using Mask = __mmask16;
constexpr int W = 16;

// AVX-512F alone has no float and/or (that is AVX512DQ), hence the integer forms in Abs/CopySign.
inline V Set(float x) { return _mm512_set1_ps(x); }
inline V Add(V a, V b) { return _mm512_add_ps(a, b); }
inline V Sub(V a, V b) { return _mm512_sub_ps(a, b); }
inline V Mul(V a, V b) { return _mm512_mul_ps(a, b); }
inline V Div(V a, V b) { return _mm512_div_ps(a, b); }
inline V Fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
inline V Fnma(V a, V b, V c) { return _mm512_fnmadd_ps(a, b, c); }
inline V Min(V a, V b) { return _mm512_min_ps(a, b); }
inline V Max(V a, V b) { return _mm512_max_ps(a, b); }
inline V Abs(V a) { return _mm512_abs_ps(a); }
inline V CopySign(V mag, V sign) {
  const __m512i s = _mm512_and_epi32(_mm512_castps_si512(sign), _mm512_set1_epi32(INT32_MIN));
  return _mm512_castsi512_ps(_mm512_or_epi32(_mm512_castps_si512(mag), s));
}
inline Mask Less(V a, V b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
inline V Select(Mask m, V t, V f) { return _mm512_mask_blend_ps(m, f, t); }
inline V RoundNearest(V a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
inline V Pow2(V n) {
  const __m512i e = _mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127));
  return _mm512_castsi512_ps(_mm512_slli_epi32(e, 23));
}
inline __mmask16 LaneMask(int n) { return static_cast<__mmask16>((1u << n) - 1); }
inline V LoadN(const float* p, int n) { return n == W ? _mm512_loadu_ps(p) : _mm512_maskz_loadu_ps(LaneMask(n), p); }
inline void StoreN(float* p, V v, int n) {
  if (n == W) _mm512_storeu_ps(p, v);
  else _mm512_mask_storeu_ps(p, LaneMask(n), v);
}
inline V KeepN(V v, int n) { return _mm512_maskz_mov_ps(LaneMask(n), v); }
inline __m256 UpperHalf(V v) { return _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)); }
inline float ReduceAdd(V v) {
  const __m256 h = _mm256_add_ps(_mm512_castps512_ps256(v), UpperHalf(v));
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
// A float64 accumulator of W lanes (two halves), for the layer-norm sums.
struct Acc {
  __m512d lo, hi;
  Acc() : lo(_mm512_setzero_pd()), hi(_mm512_setzero_pd()) {}
};
inline void Accumulate(Acc* a, V v) {
  a->lo = _mm512_add_pd(a->lo, _mm512_cvtps_pd(_mm512_castps512_ps256(v)));
  a->hi = _mm512_add_pd(a->hi, _mm512_cvtps_pd(UpperHalf(v)));
}
inline double Total(const Acc& a) {
  const __m512d s8 = _mm512_add_pd(a.lo, a.hi);
  const __m256d s4 = _mm256_add_pd(_mm512_castpd512_pd256(s8), _mm512_extractf64x4_pd(s8, 1));
  __m128d s = _mm_add_pd(_mm256_castpd256_pd128(s4), _mm256_extractf128_pd(s4, 1));
  s = _mm_add_sd(s, _mm_unpackhi_pd(s, s));
  return _mm_cvtsd_f64(s);
}

#include "lstm_cell_simd.inc"

}  // namespace avx512
#pragma GCC diagnostic pop
#pragma GCC pop_options

#endif  // MRLCO_X86_KERNELS

void LstmCellForward(CellKernel kernel, size_t rows, size_t H, float* gates, const float* cPrev, float* c,
                     float* tanhC, float* h) {
#if MRLCO_X86_KERNELS
  if (kernel == CellKernel::kAvx512) return avx512::Forward(rows, H, gates, cPrev, c, tanhC, h);
  if (kernel == CellKernel::kAvx2) return avx2::Forward(rows, H, gates, cPrev, c, tanhC, h);
#endif
  (void)kernel;
  scalar::Forward(rows, H, gates, cPrev, c, tanhC, h);
}

void LstmCellBackward(CellKernel kernel, size_t rows, size_t H, const float* gates, const float* cPrev,
                      const float* tanhC, const float* dh, float* dc, float* dGates) {
#if MRLCO_X86_KERNELS
  if (kernel == CellKernel::kAvx512) return avx512::Backward(rows, H, gates, cPrev, tanhC, dh, dc, dGates);
  if (kernel == CellKernel::kAvx2) return avx2::Backward(rows, H, gates, cPrev, tanhC, dh, dc, dGates);
#endif
  (void)kernel;
  scalar::Backward(rows, H, gates, cPrev, tanhC, dh, dc, dGates);
}

void LstmCellLnForward(CellKernel kernel, size_t rows, size_t H, float* gates, const float* cPrev, float* c,
                       float* tanhC, float* h, const LnParams& p, const LnCache& cache) {
#if MRLCO_X86_KERNELS
  if (kernel == CellKernel::kAvx512) return avx512::LnForward(rows, H, gates, cPrev, c, tanhC, h, p, cache);
  if (kernel == CellKernel::kAvx2) return avx2::LnForward(rows, H, gates, cPrev, c, tanhC, h, p, cache);
#endif
  (void)kernel;
  scalar::LnForward(rows, H, gates, cPrev, c, tanhC, h, p, cache);
}

void LstmCellLnBackward(CellKernel kernel, size_t rows, size_t H, const float* gates, const float* cPrev,
                        const float* tanhC, const float* dh, float* dc, float* dGates, const LnParams& p,
                        const LnCache& cache, const LnGrads& grads) {
#if MRLCO_X86_KERNELS
  if (kernel == CellKernel::kAvx512)
    return avx512::LnBackward(rows, H, gates, cPrev, tanhC, dh, dc, dGates, p, cache, grads);
  if (kernel == CellKernel::kAvx2)
    return avx2::LnBackward(rows, H, gates, cPrev, tanhC, dh, dc, dGates, p, cache, grads);
#endif
  (void)kernel;
  scalar::LnBackward(rows, H, gates, cPrev, tanhC, dh, dc, dGates, p, cache, grads);
}

void BiasTanh(CellKernel kernel, size_t rows, size_t cols, float* y, const float* bias) {
#if MRLCO_X86_KERNELS
  if (kernel == CellKernel::kAvx512) return avx512::BiasTanh(rows, cols, y, bias);
  if (kernel == CellKernel::kAvx2) return avx2::BiasTanh(rows, cols, y, bias);
#endif
  (void)kernel;
  scalar::BiasTanh(rows, cols, y, bias);
}

void AdditiveAttentionForward(CellKernel kernel, size_t B, size_t Ld, size_t Le, size_t H, const float* P,
                              const float* Q, const float* v, float* hidden, float* scores) {
#if MRLCO_X86_KERNELS
  if (kernel == CellKernel::kAvx512) return avx512::AttentionForward(B, Ld, Le, H, P, Q, v, hidden, scores);
  if (kernel == CellKernel::kAvx2) return avx2::AttentionForward(B, Ld, Le, H, P, Q, v, hidden, scores);
#endif
  (void)kernel;
  scalar::AttentionForward(B, Ld, Le, H, P, Q, v, hidden, scores);
}

void AdditiveAttentionBackward(CellKernel kernel, size_t B, size_t Ld, size_t Le, size_t H, const float* v,
                               const float* hidden, const float* dScores, float* dP, float* dQ, float* dv) {
#if MRLCO_X86_KERNELS
  if (kernel == CellKernel::kAvx512)
    return avx512::AttentionBackward(B, Ld, Le, H, v, hidden, dScores, dP, dQ, dv);
  if (kernel == CellKernel::kAvx2) return avx2::AttentionBackward(B, Ld, Le, H, v, hidden, dScores, dP, dQ, dv);
#endif
  (void)kernel;
  scalar::AttentionBackward(B, Ld, Le, H, v, hidden, dScores, dP, dQ, dv);
}

}  // namespace mrlco
