// The elementwise kernels of the policy network (the contracts are in src/nn/backend.ts): the LSTM cell,
// plain and layer-normalised, the additive attention score and a dense layer's bias + tanh. Each has a scalar version with libm's
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

// The layer-normalised cell's arrays, forward and backward: gains/biases of the gates [4H] and of the
// cell state [H], and the caches the forward writes for the backward.
struct LnParams {
  const float* gain;      // [4H]
  const float* bias;      // [4H] (forward only)
  const float* cellGain;  // [H]
  const float* cellBias;  // [H] (forward only)
};
struct LnCache {
  float* gateXhat;    // [rows×4H]
  float* gateInvStd;  // [rows×4]
  float* cellXhat;    // [rows×H]
  float* cellInvStd;  // [rows]
};
struct LnGrads {
  float* gain;      // [4H], accumulated
  float* bias;      // [4H], accumulated
  float* cellGain;  // [H], accumulated
  float* cellBias;  // [H], accumulated
};

// As LstmCellForward, with each gate's pre-activation (no bias) layer-normalised before its activation
// and the new cell state layer-normalised (c is the normalised state). c may alias cPrev.
void LstmCellLnForward(CellKernel kernel, size_t rows, size_t H, float* gates, const float* cPrev, float* c,
                       float* tanhC, float* h, const LnParams& p, const LnCache& cache);

// dc is in/out (dL/dc of the normalised state -> dL/dcPrev); dGates [rows×4H] (gradient of the gate
// pre-activations before their layer norm) is output only; the gain/bias gradients are accumulated.
void LstmCellLnBackward(CellKernel kernel, size_t rows, size_t H, const float* gates, const float* cPrev,
                        const float* tanhC, const float* dh, float* dc, float* dGates, const LnParams& p,
                        const LnCache& cache, const LnGrads& grads);

// y [rows×cols] = tanh(y + bias) with bias [cols] added to every row (bias may be null).
void BiasTanh(CellKernel kernel, size_t rows, size_t cols, float* y, const float* bias);

// hidden[b,t,i,:] = tanh(P[b,i,:] + Q[b,t,:]) [B×Ld×Le×H], scores[b,t,i] = v·hidden[b,t,i,:] [B×Ld×Le].
void AdditiveAttentionForward(CellKernel kernel, size_t B, size_t Ld, size_t Le, size_t H, const float* P,
                              const float* Q, const float* v, float* hidden, float* scores);

// dP [B×Le×H], dQ [B×Ld×H] and dv [H] accumulated from dScores [B×Ld×Le]; zero dScores entries skipped.
void AdditiveAttentionBackward(CellKernel kernel, size_t B, size_t Ld, size_t Le, size_t H, const float* v,
                               const float* hidden, const float* dScores, float* dP, float* dQ, float* dv);

}  // namespace mrlco
