// A built-in row-major SGEMM for x86-64 CPUs with AVX2+FMA or AVX-512, used instead of OpenBLAS when
// OpenBLAS does not recognise the CPU and falls back to a generic SSE kernel (see mrlco_nn.cc for the
// choice). The kernels are compiled with function-level target attributes, so the rest of the addon
// keeps its x86-64-v2 baseline and still loads on older CPUs (which then never call into here).
#pragma once

#include "cpu.h"

namespace mrlco {

// C = alpha·op(A)·op(B) + beta·C, row-major, arguments already validated by the caller, M, N > 0,
// K > 0 and alpha != 0 (the pure beta scaling is the caller's). beta == 0 never reads C.
void BuiltinSgemm(Isa isa, bool transA, bool transB, int M, int N, int K, float alpha, const float* A,
                  int lda, const float* B, int ldb, float beta, float* C, int ldc);

// Threads for large products (1 or 2; the default is 1). With 2, N is split between the caller and a
// helper thread so that each C element is still computed by one thread in the same order: results are
// bit-identical to the single-threaded ones.
void SetBuiltinThreads(int threads);
int BuiltinThreads();

}  // namespace mrlco
