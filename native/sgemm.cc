// Builtin SGEMM (see sgemm.h): a BLIS/GotoBLAS-style blocked product.
//
// op(B) is cut into KC×NC blocks that are packed into NR-column panels (each panel KC×NR contiguous, the
// block sized to sit in L2); for every MR-row strip of op(A) a KC×MR micro-panel is packed into an
// L1-resident buffer and a register-blocked MR×NR micro-kernel sweeps it across all panels of the
// block. The vector axis is N (row-major C), the broadcast axis is M. All four transpose cases are
// resolved in the packing, so the micro-kernel only ever sees one layout.
//
// Summation order: each C element is one FMA chain over k inside a KC block (the blocks depend on K
// only), and the blocks are added to C in order (block 0 applies beta, the rest accumulate), so the
// result does not depend on M, on N, or on where the element sits in its tile.
#include "sgemm.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <functional>
#include <mutex>
#include <new>
#include <system_error>
#include <thread>
#include <type_traits>
#include <utility>

#if MRLCO_X86_KERNELS
#include <immintrin.h>
#endif

namespace mrlco {

#if MRLCO_X86_KERNELS

namespace {

// Block sizes. KC: the depth of one packed block; an A micro-panel (KC×MR floats, 12 KB for MR = 12)
// and the B panel streaming past it (KC×NR, 32 KB for NR = 32) about fill a 48 KB L1. NC: B block
// columns, so that a KC×NC block (512 KB) stays in L2 while every MR strip of A sweeps it (2 MB L2 per
// core on the Sapphire Rapids this was tuned on; on 256 KB-1 MB L2 parts it mostly lives in L2/L3).
constexpr int kKcMax = 256;
constexpr size_t kBBlockFloats = 128 * 1024;

// A 64-byte aligned scratch buffer per thread, grown on demand and kept for the next call.
struct Scratch {
  float* p = nullptr;
  size_t n = 0;
  ~Scratch() { std::free(p); }
  float* Get(size_t need) {
    if (need > n) {
      std::free(p);
      p = nullptr;
      n = 0;
      const size_t bytes = (need * sizeof(float) + 63) / 64 * 64;
      p = static_cast<float*>(std::aligned_alloc(64, bytes));
      if (p == nullptr) throw std::bad_alloc();
      n = need;
    }
    return p;
  }
};

thread_local Scratch tlsA;
thread_local Scratch tlsB;

// dst[k·ldd + r] = src[r·lds + k] for an 8×8 block (rows r of src become columns of dst).
MRLCO_AVX2 inline void Transpose8x8(const float* src, size_t lds, float* dst, size_t ldd) {
  const __m256 r0 = _mm256_loadu_ps(src + 0 * lds);
  const __m256 r1 = _mm256_loadu_ps(src + 1 * lds);
  const __m256 r2 = _mm256_loadu_ps(src + 2 * lds);
  const __m256 r3 = _mm256_loadu_ps(src + 3 * lds);
  const __m256 r4 = _mm256_loadu_ps(src + 4 * lds);
  const __m256 r5 = _mm256_loadu_ps(src + 5 * lds);
  const __m256 r6 = _mm256_loadu_ps(src + 6 * lds);
  const __m256 r7 = _mm256_loadu_ps(src + 7 * lds);
  const __m256 t0 = _mm256_unpacklo_ps(r0, r1);
  const __m256 t1 = _mm256_unpackhi_ps(r0, r1);
  const __m256 t2 = _mm256_unpacklo_ps(r2, r3);
  const __m256 t3 = _mm256_unpackhi_ps(r2, r3);
  const __m256 t4 = _mm256_unpacklo_ps(r4, r5);
  const __m256 t5 = _mm256_unpackhi_ps(r4, r5);
  const __m256 t6 = _mm256_unpacklo_ps(r6, r7);
  const __m256 t7 = _mm256_unpackhi_ps(r6, r7);
  const __m256 s0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 s1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
  const __m256 s2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 s3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
  const __m256 s4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 s5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2));
  const __m256 s6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 s7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
  _mm256_store_ps(dst + 0 * ldd, _mm256_permute2f128_ps(s0, s4, 0x20));
  _mm256_store_ps(dst + 1 * ldd, _mm256_permute2f128_ps(s1, s5, 0x20));
  _mm256_store_ps(dst + 2 * ldd, _mm256_permute2f128_ps(s2, s6, 0x20));
  _mm256_store_ps(dst + 3 * ldd, _mm256_permute2f128_ps(s3, s7, 0x20));
  _mm256_store_ps(dst + 4 * ldd, _mm256_permute2f128_ps(s0, s4, 0x31));
  _mm256_store_ps(dst + 5 * ldd, _mm256_permute2f128_ps(s1, s5, 0x31));
  _mm256_store_ps(dst + 6 * ldd, _mm256_permute2f128_ps(s2, s6, 0x31));
  _mm256_store_ps(dst + 7 * ldd, _mm256_permute2f128_ps(s3, s7, 0x31));
}

// Packs op(B)[p0 .. p0+kc, j0 .. j0+nc] into panels of NR columns: panel q holds, for each k, the NR
// values op(B)(p0+k, j0+q·NR .. j0+q·NR+NR-1) contiguously; columns past nc are zero (the kernel
// computes them and its masked edge store drops them). Bp must be 64-byte aligned (aligned loads).
template <int NR>
MRLCO_AVX2 void PackB(bool transB, const float* B, size_t ldb, int p0, int kc, int j0, int nc, float* Bp) {
  const size_t panelSize = static_cast<size_t>(kc) * NR;
  if (!transB) {
    // op(B)(k, j) = B[k·ldb + j]: each row of a panel is a contiguous slice of a row of B.
    for (int q = 0; q * NR < nc; q++) {
      const int w = std::min(NR, nc - q * NR);
      float* dst = Bp + q * panelSize;
      const float* src = B + static_cast<size_t>(p0) * ldb + j0 + q * NR;
      if (w == NR) {
        for (int k = 0; k < kc; k++, src += ldb, dst += NR) std::memcpy(dst, src, NR * sizeof(float));
      } else {
        for (int k = 0; k < kc; k++, src += ldb, dst += NR) {
          std::memcpy(dst, src, static_cast<size_t>(w) * sizeof(float));
          std::memset(dst + w, 0, static_cast<size_t>(NR - w) * sizeof(float));
        }
      }
    }
    return;
  }
  // op(B)(k, j) = B[j·ldb + k]: rows of B become panel columns, transposed 8×8 at a time.
  for (int q = 0; q * NR < nc; q++) {
    const int w = std::min(NR, nc - q * NR);
    float* panel = Bp + q * panelSize;
    for (int jj = 0; jj < NR; jj += 8) {
      const int rows = std::min(8, w - jj);  // rows of B feeding these 8 panel columns
      if (rows <= 0) {
        for (int k = 0; k < kc; k++) std::memset(panel + static_cast<size_t>(k) * NR + jj, 0, 8 * sizeof(float));
        continue;
      }
      const float* src = B + static_cast<size_t>(j0 + q * NR + jj) * ldb + p0;
      int k = 0;
      if (rows == 8)
        for (; k + 8 <= kc; k += 8) Transpose8x8(src + k, ldb, panel + static_cast<size_t>(k) * NR + jj, NR);
      for (; k < kc; k++)
        for (int r = 0; r < 8; r++) panel[static_cast<size_t>(k) * NR + jj + r] = r < rows ? src[r * ldb + k] : 0.0f;
    }
  }
}

// Packs op(A)[i0 .. i0+mr, p0 .. p0+kc] as Ap[k·MR + i]; rows mr..MR-1 are left alone (the kernel for
// an mr-row strip reads only the first mr of each group).
template <int MR>
MRLCO_AVX2 void PackA(bool transA, const float* A, size_t lda, int i0, int mr, int p0, int kc, float* Ap) {
  if (transA) {
    // op(A)(i, k) = A[k·lda + i]: each k is a contiguous slice of a row of A.
    const float* src = A + static_cast<size_t>(p0) * lda + i0;
    for (int k = 0; k < kc; k++, src += lda, Ap += MR) std::memcpy(Ap, src, static_cast<size_t>(mr) * sizeof(float));
    return;
  }
  // op(A)(i, k) = A[i·lda + k]: a transpose, 4×4 at a time (one element at a time is slow enough to show
  // when N is small and packing A is most of the work).
  const float* src = A + static_cast<size_t>(i0) * lda + p0;
  int i = 0;
  for (; i + 4 <= mr; i += 4) {
    const float* r = src + i * lda;
    int k = 0;
    for (; k + 4 <= kc; k += 4) {
      __m128 r0 = _mm_loadu_ps(r + k);
      __m128 r1 = _mm_loadu_ps(r + lda + k);
      __m128 r2 = _mm_loadu_ps(r + 2 * lda + k);
      __m128 r3 = _mm_loadu_ps(r + 3 * lda + k);
      _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
      float* d = Ap + static_cast<size_t>(k) * MR + i;
      _mm_storeu_ps(d, r0);
      _mm_storeu_ps(d + MR, r1);
      _mm_storeu_ps(d + 2 * MR, r2);
      _mm_storeu_ps(d + 3 * MR, r3);
    }
    for (; k < kc; k++)
      for (int ii = 0; ii < 4; ii++) Ap[static_cast<size_t>(k) * MR + i + ii] = r[ii * lda + k];
  }
  for (; i < mr; i++) {
    const float* r = src + i * lda;
    for (int k = 0; k < kc; k++) Ap[static_cast<size_t>(k) * MR + i] = r[k];
  }
}

// C[0..rows, 0..nr] = alpha·(Ap·Bp) + beta·C with nr <= NR; columns past nr are computed (B's panel is
// zero there) but never stored, and no column of C is read or written outside 0..nr. Every stored
// element goes through the same FMA chain and the same store arithmetic wherever its tile lies, so the
// result does not depend on how N is split (into blocks, or between threads).
using KernelFn = void (*)(int kc, const float* Ap, const float* Bp, float* C, size_t ldc, float alpha, float beta,
                          int nr);

// AVX2 micro-kernel: rows × 16 with rows ≤ 6 (12 accumulators + 2 B vectors + 1 broadcast of the 16
// ymm registers). beta == 0 stores without reading C.
template <int ROWS, int MR>
MRLCO_AVX2 void KernelAvx2(int kc, const float* Ap, const float* Bp, float* C, size_t ldc, float alpha, float beta,
                           int nr) {
  __m256 c0[ROWS], c1[ROWS];
#pragma GCC unroll 16
  for (int i = 0; i < ROWS; i++) c0[i] = c1[i] = _mm256_setzero_ps();
  for (int k = 0; k < kc; k++, Ap += MR, Bp += 16) {
    const __m256 b0 = _mm256_load_ps(Bp);
    const __m256 b1 = _mm256_load_ps(Bp + 8);
#pragma GCC unroll 16
    for (int i = 0; i < ROWS; i++) {
      const __m256 a = _mm256_broadcast_ss(Ap + i);
      c0[i] = _mm256_fmadd_ps(a, b0, c0[i]);
      c1[i] = _mm256_fmadd_ps(a, b1, c1[i]);
    }
  }
  const __m256 va = _mm256_set1_ps(alpha);
  const __m256 vb = _mm256_set1_ps(beta);
#pragma GCC unroll 16
  for (int i = 0; i < ROWS; i++) {
    c0[i] = _mm256_mul_ps(va, c0[i]);
    c1[i] = _mm256_mul_ps(va, c1[i]);
  }
  if (nr == 16) {
#pragma GCC unroll 16
    for (int i = 0; i < ROWS; i++) {
      float* row = C + i * ldc;
      if (beta != 0) {
        c0[i] = _mm256_fmadd_ps(vb, _mm256_loadu_ps(row), c0[i]);
        c1[i] = _mm256_fmadd_ps(vb, _mm256_loadu_ps(row + 8), c1[i]);
      }
      _mm256_storeu_ps(row, c0[i]);
      _mm256_storeu_ps(row + 8, c1[i]);
    }
    return;
  }
  // Right edge: masked loads/stores (masked-off lanes are not accessed, so nothing past the row's end is).
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i m0 = _mm256_cmpgt_epi32(_mm256_set1_epi32(nr), lanes);
  const __m256i m1 = _mm256_cmpgt_epi32(_mm256_set1_epi32(nr - 8), lanes);
#pragma GCC unroll 16
  for (int i = 0; i < ROWS; i++) {
    float* row = C + i * ldc;
    if (beta != 0) {
      c0[i] = _mm256_fmadd_ps(vb, _mm256_maskload_ps(row, m0), c0[i]);
      c1[i] = _mm256_fmadd_ps(vb, _mm256_maskload_ps(row + 8, m1), c1[i]);
    }
    _mm256_maskstore_ps(row, m0, c0[i]);
    _mm256_maskstore_ps(row + 8, m1, c1[i]);
  }
}

// AVX-512 micro-kernel: rows × 32 with rows ≤ MR (2·MR accumulators + 2 B vectors + 1 broadcast of the
// 32 zmm registers).
template <int ROWS, int MR>
MRLCO_AVX512 void KernelAvx512(int kc, const float* Ap, const float* Bp, float* C, size_t ldc, float alpha,
                               float beta, int nr) {
  __m512 c0[ROWS], c1[ROWS];
#pragma GCC unroll 16
  for (int i = 0; i < ROWS; i++) c0[i] = c1[i] = _mm512_setzero_ps();
  for (int k = 0; k < kc; k++, Ap += MR, Bp += 32) {
    const __m512 b0 = _mm512_load_ps(Bp);
    const __m512 b1 = _mm512_load_ps(Bp + 16);
#pragma GCC unroll 16
    for (int i = 0; i < ROWS; i++) {
      const __m512 a = _mm512_set1_ps(Ap[i]);
      c0[i] = _mm512_fmadd_ps(a, b0, c0[i]);
      c1[i] = _mm512_fmadd_ps(a, b1, c1[i]);
    }
  }
  // Lane masks for the right edge; all ones for a full tile (a masked access costs the same as a plain one).
  const __mmask16 m0 = nr >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << nr) - 1);
  const __mmask16 m1 = nr >= 32 ? 0xFFFF : nr <= 16 ? 0 : static_cast<__mmask16>((1u << (nr - 16)) - 1);
  const __m512 va = _mm512_set1_ps(alpha);
  const __m512 vb = _mm512_set1_ps(beta);
#pragma GCC unroll 16
  for (int i = 0; i < ROWS; i++) {
    float* row = C + i * ldc;
    __m512 r0 = _mm512_mul_ps(va, c0[i]);
    __m512 r1 = _mm512_mul_ps(va, c1[i]);
    if (beta != 0) {
      r0 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m0, row), r0);
      r1 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m1, row + 16), r1);
    }
    _mm512_mask_storeu_ps(row, m0, r0);
    _mm512_mask_storeu_ps(row + 16, m1, r1);
  }
}

// kernels[r] handles an r-row strip (r = 1..MR), so the last strip of M costs only what it computes.
template <template <int, int> class K, int MR, size_t... R>
constexpr auto MakeTable(std::index_sequence<R...>) {
  return std::array<KernelFn, MR + 1>{nullptr, &K<static_cast<int>(R) + 1, MR>::Run...};
}

template <int ROWS, int MR>
struct Avx2K {
  static void Run(int kc, const float* Ap, const float* Bp, float* C, size_t ldc, float alpha, float beta, int nr) {
    KernelAvx2<ROWS, MR>(kc, Ap, Bp, C, ldc, alpha, beta, nr);
  }
};
template <int ROWS, int MR>
struct Avx512K {
  static void Run(int kc, const float* Ap, const float* Bp, float* C, size_t ldc, float alpha, float beta, int nr) {
    KernelAvx512<ROWS, MR>(kc, Ap, Bp, C, ldc, alpha, beta, nr);
  }
};

template <int MR, int NR, size_t TABLE>
void Blocked(const std::array<KernelFn, TABLE>& kernels, bool transA, bool transB, int M, int N, int K,
             float alpha, const float* A, size_t lda, const float* B, size_t ldb, float beta, float* C,
             size_t ldc) {
  // Split K and N into equal blocks (rather than full blocks plus a thin remainder). The K blocks
  // depend on K alone, which fixes every element's summation order.
  const int kBlocks = (K + kKcMax - 1) / kKcMax;
  const int kc0 = (K + kBlocks - 1) / kBlocks;
  const int ncMax = std::max<int>(NR, static_cast<int>(kBBlockFloats / static_cast<size_t>(kc0)) / NR * NR);
  const int nBlocks = (N + ncMax - 1) / ncMax;
  const int nc0 = ((N + nBlocks - 1) / nBlocks + NR - 1) / NR * NR;

  float* Bp = tlsB.Get(static_cast<size_t>(kc0) * nc0);
  float* Ap = tlsA.Get(static_cast<size_t>(kc0) * MR);

  for (int jc = 0; jc < N; jc += nc0) {
    const int nc = std::min(nc0, N - jc);
    for (int pc = 0; pc < K; pc += kc0) {
      const int kc = std::min(kc0, K - pc);
      const float b = pc == 0 ? beta : 1.0f;
      PackB<NR>(transB, B, ldb, pc, kc, jc, nc, Bp);
      for (int ic = 0; ic < M; ic += MR) {
        const int mr = std::min(MR, M - ic);
        PackA<MR>(transA, A, lda, ic, mr, pc, kc, Ap);
        const KernelFn kernel = kernels[mr];
        float* Crow = C + static_cast<size_t>(ic) * ldc + jc;
        for (int jr = 0; jr < nc; jr += NR)
          kernel(kc, Ap, Bp + static_cast<size_t>(jr) * kc, Crow + jr, ldc, alpha, b, std::min(NR, nc - jr));
      }
    }
  }
}

// Narrow products (N <= kDotMaxN, op(A) not transposed) as dot products of rows of A with rows of op(B)ᵀ,
// both contiguous in k, vectorised along k. The blocked path would pad N to a 16/32-wide panel and pack
// both operands, which costs several times the arithmetic for the attention's M=1..20, N=20 products
// and the M=2000, N=3 output layer.
constexpr int kDotMaxN = 24;

MRLCO_AVX2 inline __m256i LaneMask8(int n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

MRLCO_AVX2 inline float HorizontalSum(__m256 v) {
  const __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  const __m128 t = _mm_add_ps(s, _mm_movehl_ps(s, s));
  return _mm_cvtss_f32(_mm_add_ss(t, _mm_movehdup_ps(t)));
}

// RA rows of A against RB rows of Bt: 4×3 keeps 12 accumulators, 3 B vectors and 1 A vector in the 16
// ymm registers. The k tail is a masked load (no read past a row's end).
template <int RA, int RB>
MRLCO_AVX2 void DotTile(int K, const float* a, size_t lda, const float* b, size_t ldb, float* C, size_t ldc,
                        float alpha, float beta) {
  __m256 acc[RA][RB];
#pragma GCC unroll 4
  for (int i = 0; i < RA; i++)
#pragma GCC unroll 4
    for (int j = 0; j < RB; j++) acc[i][j] = _mm256_setzero_ps();
  int k = 0;
  for (; k + 8 <= K; k += 8) {
    __m256 bv[RB];
#pragma GCC unroll 4
    for (int j = 0; j < RB; j++) bv[j] = _mm256_loadu_ps(b + j * ldb + k);
#pragma GCC unroll 4
    for (int i = 0; i < RA; i++) {
      const __m256 av = _mm256_loadu_ps(a + i * lda + k);
#pragma GCC unroll 4
      for (int j = 0; j < RB; j++) acc[i][j] = _mm256_fmadd_ps(av, bv[j], acc[i][j]);
    }
  }
  if (k < K) {
    const __m256i m = LaneMask8(K - k);
    __m256 bv[RB];
#pragma GCC unroll 4
    for (int j = 0; j < RB; j++) bv[j] = _mm256_maskload_ps(b + j * ldb + k, m);
#pragma GCC unroll 4
    for (int i = 0; i < RA; i++) {
      const __m256 av = _mm256_maskload_ps(a + i * lda + k, m);
#pragma GCC unroll 4
      for (int j = 0; j < RB; j++) acc[i][j] = _mm256_fmadd_ps(av, bv[j], acc[i][j]);
    }
  }
#pragma GCC unroll 4
  for (int i = 0; i < RA; i++)
#pragma GCC unroll 4
    for (int j = 0; j < RB; j++) {
      float* c = C + i * ldc + j;
      const float v = alpha * HorizontalSum(acc[i][j]);
      *c = beta == 0 ? v : v + beta * *c;
    }
}

MRLCO_AVX2 void DotGemm(bool transB, int M, int N, int K, float alpha, const float* A, size_t lda, const float* B,
                        size_t ldb, float beta, float* C, size_t ldc) {
  const float* Bt = B;
  if (!transB) {
    // op(B)ᵀ of a narrow op(B) is only N×K: transpose it once into scratch.
    float* t = tlsB.Get(static_cast<size_t>(N) * K);
    for (int k = 0; k < K; k++)
      for (int j = 0; j < N; j++) t[static_cast<size_t>(j) * K + k] = B[static_cast<size_t>(k) * ldb + j];
    Bt = t;
    ldb = static_cast<size_t>(K);
  }
  int i = 0;
  for (; i + 4 <= M; i += 4) {
    const float* a = A + i * lda;
    float* c = C + i * ldc;
    int j = 0;
    for (; j + 3 <= N; j += 3) DotTile<4, 3>(K, a, lda, Bt + j * ldb, ldb, c + j, ldc, alpha, beta);
    for (; j < N; j++) DotTile<4, 1>(K, a, lda, Bt + j * ldb, ldb, c + j, ldc, alpha, beta);
  }
  for (; i < M; i++) {
    const float* a = A + i * lda;
    float* c = C + i * ldc;
    int j = 0;
    for (; j + 3 <= N; j += 3) DotTile<1, 3>(K, a, lda, Bt + j * ldb, ldb, c + j, ldc, alpha, beta);
    for (; j < N; j++) DotTile<1, 1>(K, a, lda, Bt + j * ldb, ldb, c + j, ldc, alpha, beta);
  }
}

// Small-M products (M <= kSmallMaxM, the batch-1 decoding path: every layer is a 1-row product) without
// packing. Packing op(B) costs as much as the arithmetic when op(A) has one row, so:
//  - op(B) not transposed: rows of B are contiguous along N; a strip of V vectors of C (ROWS rows) is
//    held in registers while B is streamed over k, one FMA per (row, vector) and k;
//  - op(B) transposed: each C element is a dot product of a row of op(A) with a row of B, both
//    contiguous in k (op(A) is gathered into scratch first when transposed), see DotGemm.
// Each C element is one FMA chain over k = 0..K-1 in order, so the result is deterministic (it may
// differ from the blocked path's KC-blocked order by rounding).
constexpr int kSmallMaxM = 4;

// C[0..ROWS, 0..nr] for op(A)(i, k) = A[i·sai + k·sak], op(B)(k, j) = B[k·ldb + j], nr <= V·8; the
// last vector is masked when nr is not a multiple of 8 (masked lanes are neither read nor written).
template <int ROWS, int V>
MRLCO_AVX2 void StreamAvx2(int K, const float* A, size_t sai, size_t sak, const float* B, size_t ldb, float* C,
                           size_t ldc, float alpha, float beta, int nr) {
  __m256 acc[ROWS][V];
#pragma GCC unroll 8
  for (int i = 0; i < ROWS; i++)
#pragma GCC unroll 8
    for (int v = 0; v < V; v++) acc[i][v] = _mm256_setzero_ps();
  const int full = nr / 8;  // == V except in a tail strip
  const __m256i tail = LaneMask8(nr - (V - 1) * 8);
  for (int k = 0; k < K; k++, B += ldb, A += sak) {
    __m256 b[V];
#pragma GCC unroll 8
    for (int v = 0; v < V; v++)
      b[v] = v < full ? _mm256_loadu_ps(B + v * 8) : _mm256_maskload_ps(B + v * 8, tail);
#pragma GCC unroll 8
    for (int i = 0; i < ROWS; i++) {
      const __m256 a = _mm256_broadcast_ss(A + i * sai);
#pragma GCC unroll 8
      for (int v = 0; v < V; v++) acc[i][v] = _mm256_fmadd_ps(a, b[v], acc[i][v]);
    }
  }
  const __m256 va = _mm256_set1_ps(alpha);
  const __m256 vb = _mm256_set1_ps(beta);
#pragma GCC unroll 8
  for (int i = 0; i < ROWS; i++) {
    float* row = C + i * ldc;
#pragma GCC unroll 8
    for (int v = 0; v < V; v++) {
      __m256 r = _mm256_mul_ps(va, acc[i][v]);
      if (v < full) {
        if (beta != 0) r = _mm256_fmadd_ps(vb, _mm256_loadu_ps(row + v * 8), r);
        _mm256_storeu_ps(row + v * 8, r);
      } else {
        if (beta != 0) r = _mm256_fmadd_ps(vb, _mm256_maskload_ps(row + v * 8, tail), r);
        _mm256_maskstore_ps(row + v * 8, tail, r);
      }
    }
  }
}

template <int ROWS, int V>
MRLCO_AVX512 void StreamAvx512(int K, const float* A, size_t sai, size_t sak, const float* B, size_t ldb,
                               float* C, size_t ldc, float alpha, float beta, int nr) {
  __m512 acc[ROWS][V];
#pragma GCC unroll 8
  for (int i = 0; i < ROWS; i++)
#pragma GCC unroll 8
    for (int v = 0; v < V; v++) acc[i][v] = _mm512_setzero_ps();
  __mmask16 m[V];
#pragma GCC unroll 8
  for (int v = 0; v < V; v++) {
    const int w = nr - v * 16;
    m[v] = w >= 16 ? static_cast<__mmask16>(0xFFFF) : w <= 0 ? 0 : static_cast<__mmask16>((1u << w) - 1);
  }
  for (int k = 0; k < K; k++, B += ldb, A += sak) {
    __m512 b[V];
#pragma GCC unroll 8
    for (int v = 0; v < V; v++) b[v] = _mm512_maskz_loadu_ps(m[v], B + v * 16);
#pragma GCC unroll 8
    for (int i = 0; i < ROWS; i++) {
      const __m512 a = _mm512_set1_ps(A[i * sai]);
#pragma GCC unroll 8
      for (int v = 0; v < V; v++) acc[i][v] = _mm512_fmadd_ps(a, b[v], acc[i][v]);
    }
  }
  const __m512 va = _mm512_set1_ps(alpha);
  const __m512 vb = _mm512_set1_ps(beta);
#pragma GCC unroll 8
  for (int i = 0; i < ROWS; i++) {
    float* row = C + i * ldc;
#pragma GCC unroll 8
    for (int v = 0; v < V; v++) {
      __m512 r = _mm512_mul_ps(va, acc[i][v]);
      if (beta != 0) r = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m[v], row + v * 16), r);
      _mm512_mask_storeu_ps(row + v * 16, m[v], r);
    }
  }
}

// Sweeps N in strips of V vectors (the accumulators fill about half the register file, enough
// independent FMA chains to hide the latency when M = 1), then the rest in single (masked) vectors.
template <int ROWS>
MRLCO_AVX2 void StreamRowsAvx2(int N, int K, const float* A, size_t sai, size_t sak, const float* B, size_t ldb,
                               float* C, size_t ldc, float alpha, float beta) {
  constexpr int V = ROWS == 1 ? 8 : ROWS == 2 ? 4 : 3;
  int j = 0;
  for (; j + V * 8 <= N; j += V * 8)
    StreamAvx2<ROWS, V>(K, A, sai, sak, B + j, ldb, C + j, ldc, alpha, beta, V * 8);
  for (; j < N; j += 8) StreamAvx2<ROWS, 1>(K, A, sai, sak, B + j, ldb, C + j, ldc, alpha, beta, std::min(8, N - j));
}

template <int ROWS>
MRLCO_AVX512 void StreamRowsAvx512(int N, int K, const float* A, size_t sai, size_t sak, const float* B,
                                   size_t ldb, float* C, size_t ldc, float alpha, float beta) {
  constexpr int V = ROWS == 1 ? 8 : ROWS == 2 ? 6 : 4;
  int j = 0;
  for (; j + V * 16 <= N; j += V * 16)
    StreamAvx512<ROWS, V>(K, A, sai, sak, B + j, ldb, C + j, ldc, alpha, beta, V * 16);
  const int rest = N - j;
  if (rest > 64) {
    StreamAvx512<ROWS, 4>(K, A, sai, sak, B + j, ldb, C + j, ldc, alpha, beta, 64);
    j += 64;
  }
  // <= 64 columns left: one strip of 1..4 vectors, the last masked.
  switch ((N - j + 15) / 16) {
    case 1: StreamAvx512<ROWS, 1>(K, A, sai, sak, B + j, ldb, C + j, ldc, alpha, beta, N - j); break;
    case 2: StreamAvx512<ROWS, 2>(K, A, sai, sak, B + j, ldb, C + j, ldc, alpha, beta, N - j); break;
    case 3: StreamAvx512<ROWS, 3>(K, A, sai, sak, B + j, ldb, C + j, ldc, alpha, beta, N - j); break;
    case 4: StreamAvx512<ROWS, 4>(K, A, sai, sak, B + j, ldb, C + j, ldc, alpha, beta, N - j); break;
    default: break;
  }
}

template <bool AVX512>
void StreamGemm(bool transA, int M, int N, int K, float alpha, const float* A, size_t lda, const float* B,
                size_t ldb, float beta, float* C, size_t ldc) {
  // op(A)(i, k): A[i·lda + k], or A[k·lda + i] when transposed.
  const size_t sai = transA ? 1 : lda;
  const size_t sak = transA ? lda : 1;
  int i = 0;
  const auto run = [&](auto rows) {
    constexpr int R = decltype(rows)::value;
    if constexpr (AVX512)
      StreamRowsAvx512<R>(N, K, A + i * sai, sai, sak, B, ldb, C + i * ldc, ldc, alpha, beta);
    else
      StreamRowsAvx2<R>(N, K, A + i * sai, sai, sak, B, ldb, C + i * ldc, ldc, alpha, beta);
  };
  for (; i + 4 <= M; i += 4) run(std::integral_constant<int, 4>());
  switch (M - i) {
    case 1: run(std::integral_constant<int, 1>()); break;
    case 2: run(std::integral_constant<int, 2>()); break;
    case 3: run(std::integral_constant<int, 3>()); break;
    default: break;
  }
}

// MR: 6×16 (AVX2) and 12×32 (AVX-512) use 12 of 16 and 24 of 32 vector registers for accumulators.
// For AVX-512, 12 rows did at least as well as 8, 10 and 14 on the policy's shapes (M = 100, 256,
// 2000) in our (noisy, shared-machine) measurements; 8 leaves the FMA units short of work.
constexpr int kMrAvx2 = 6;
constexpr int kMrAvx512 = 12;
constexpr auto kAvx2Kernels = MakeTable<Avx2K, kMrAvx2>(std::make_index_sequence<kMrAvx2>());
constexpr auto kAvx512Kernels = MakeTable<Avx512K, kMrAvx512>(std::make_index_sequence<kMrAvx512>());

// One persistent helper thread for the two-thread split (a thread per call would also cost a fresh
// set of thread_local packing buffers each time). It is created on first use, detached and never
// destroyed, so process exit never waits on it. One caller at a time: a second JS thread that finds it
// busy runs its product single-threaded.
class Helper {
 public:
  // Runs `other` on the helper and `mine` on the caller; returns false (having run nothing) when busy.
  bool RunPair(const std::function<void()>& other, const std::function<void()>& mine) {
    std::unique_lock<std::mutex> own(busy_, std::try_to_lock);
    if (!own.owns_lock()) return false;
    if (!started_) {
      try {
        std::thread([this] { Loop(); }).detach();
      } catch (const std::system_error&) {
        return false;  // no thread to be had (resource limits): the caller runs single-threaded
      }
      started_ = true;
    }
    {
      std::lock_guard<std::mutex> l(m_);
      job_ = &other;
      done_ = false;
      error_ = nullptr;
    }
    cv_.notify_all();
    std::exception_ptr mineError;
    try {
      mine();
    } catch (...) {
      mineError = std::current_exception();
    }
    std::unique_lock<std::mutex> l(m_);
    cv_.wait(l, [this] { return done_; });
    if (mineError) std::rethrow_exception(mineError);
    if (error_) std::rethrow_exception(error_);
    return true;
  }

 private:
  void Loop() {
    std::unique_lock<std::mutex> l(m_);
    for (;;) {
      cv_.wait(l, [this] { return job_ != nullptr; });
      const std::function<void()>* job = job_;
      l.unlock();
      std::exception_ptr error;
      try {
        (*job)();
      } catch (...) {
        error = std::current_exception();
      }
      l.lock();
      job_ = nullptr;
      error_ = error;
      done_ = true;
      cv_.notify_all();
    }
  }

  std::mutex busy_;
  std::mutex m_;
  std::condition_variable cv_;
  const std::function<void()>* job_ = nullptr;
  bool done_ = false;
  std::exception_ptr error_;
  bool started_ = false;  // guarded by busy_
};

Helper& TheHelper() {
  static Helper* helper = new Helper();  // leaked on purpose, see the class comment
  return *helper;
}

std::atomic<int> g_threads{1};

// Two threads only pay off when each half is well above the helper's wake-up cost (tens of µs).
constexpr double kThreadMinFlops = 2e7;

template <int MR, int NR, size_t TABLE>
void BlockedMaybeThreaded(const std::array<KernelFn, TABLE>& kernels, bool transA, bool transB, int M, int N, int K,
                          float alpha, const float* A, size_t lda, const float* B, size_t ldb, float beta, float* C,
                          size_t ldc) {
  const double flops = 2.0 * M * N * K;
  if (g_threads.load(std::memory_order_relaxed) >= 2 && flops >= kThreadMinFlops && N >= 4 * NR) {
    // Split N at a panel boundary: each C element is computed by one thread, by the same kernel code
    // and summation order as single-threaded (see KernelFn), so the results are bit-identical.
    const int n1 = (N / 2 + NR - 1) / NR * NR;
    const float* B2 = transB ? B + static_cast<size_t>(n1) * ldb : B + n1;
    const std::function<void()> second = [&] {
      Blocked<MR, NR>(kernels, transA, transB, M, N - n1, K, alpha, A, lda, B2, ldb, beta, C + n1, ldc);
    };
    const std::function<void()> first = [&] {
      Blocked<MR, NR>(kernels, transA, transB, M, n1, K, alpha, A, lda, B, ldb, beta, C, ldc);
    };
    if (TheHelper().RunPair(second, first)) return;
  }
  Blocked<MR, NR>(kernels, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

}  // namespace

void SetBuiltinThreads(int threads) { g_threads.store(std::max(1, std::min(2, threads))); }
int BuiltinThreads() { return g_threads.load(); }

void BuiltinSgemm(Isa isa, bool transA, bool transB, int M, int N, int K, float alpha, const float* A,
                  int lda, const float* B, int ldb, float beta, float* C, int ldc) {
  if (M <= kSmallMaxM) {
    if (!transB) {
      if (isa == Isa::kAvx512) return StreamGemm<true>(transA, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
      return StreamGemm<false>(transA, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    }
    if (transA) {
      // op(A) is M×K with M <= 4: gather it into contiguous rows for the dot products.
      float* a = tlsA.Get(static_cast<size_t>(M) * K);
      for (int k = 0; k < K; k++)
        for (int i = 0; i < M; i++) a[static_cast<size_t>(i) * K + k] = A[static_cast<size_t>(k) * lda + i];
      return DotGemm(true, M, N, K, alpha, a, static_cast<size_t>(K), B, ldb, beta, C, ldc);
    }
    return DotGemm(true, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  }
  if (!transA && N <= kDotMaxN) return DotGemm(transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  if (isa == Isa::kAvx512)
    BlockedMaybeThreaded<kMrAvx512, 32>(kAvx512Kernels, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C,
                                        ldc);
  else
    BlockedMaybeThreaded<kMrAvx2, 16>(kAvx2Kernels, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

#else  // not x86-64 GCC/Clang: no builtin kernels, OpenBLAS is always used.

void BuiltinSgemm(Isa, bool, bool, int, int, int, float, const float*, int, const float*, int, float, float*,
                  int) {}
void SetBuiltinThreads(int) {}
int BuiltinThreads() { return 1; }

#endif

}  // namespace mrlco
