// LSTM cell kernels (see lstm_cell.h): the scalar reference and, on x86-64, AVX2 and AVX-512 copies of
// lstm_cell_simd.inc. The cell forward is dominated by its five exp/tanh per element, which libm
// evaluates one at a time (~160 ms of a B=100, H=256 train step); the vector copies do 8 or 16 at once.
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

#include "lstm_cell_simd.inc"

}  // namespace avx2
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx512f,avx2,fma")
// GCC 12's avx512fintrin.h trips -Wmaybe-uninitialized on its own _mm512_undefined_ps (GCC PR 105593).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
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

}  // namespace mrlco
