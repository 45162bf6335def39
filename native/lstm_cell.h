// The LSTM cell's elementwise math (the contract is in src/nn/backend.ts): a scalar version with libm's
// expf/tanhf for any CPU, and AVX2 / AVX-512 versions with polynomial exp/tanh (about 1e-7 relative
// error, see lstm_cell.cc) selected at run time.
#pragma once

#include <cstddef>

namespace mrlco {

enum class CellKernel { kScalar, kAvx2, kAvx512 };

// gates [rows×4H] (i, f, g, o pre-activations, overwritten with the activations), cPrev, c, tanhC, h
// [rows×H]. c may alias cPrev.
void LstmCellForward(CellKernel kernel, size_t rows, size_t H, float* gates, const float* cPrev, float* c,
                     float* tanhC, float* h);

// dc is in/out (dL/dc -> dL/dcPrev); dGates [rows×4H] is output only.
void LstmCellBackward(CellKernel kernel, size_t rows, size_t H, const float* gates, const float* cPrev,
                      const float* tanhC, const float* dh, float* dc, float* dGates);

}  // namespace mrlco
