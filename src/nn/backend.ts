/**
 * The compute backend behind every layer: a row-major GEMM, the fused elementwise math of the LSTM cell
 * (plain and layer-normalised) and the score of the additive attention.
 * `native` (an N-API addon over OpenBLAS, see native/) and `js` (pure TypeScript, the correctness
 * reference) implement the same contract and agree to float tolerance.
 */
export type BackendName = 'native' | 'js';

export interface Backend {
  readonly name: BackendName;
  /**
   * C = alpha · op(A) · op(B) + beta · C, row-major, where op(X) = Xᵀ when the flag is set.
   * op(A) is M×K, op(B) is K×N, C is M×N; lda/ldb/ldc are the row strides of A, B and C as stored.
   * When beta is 0, C's previous contents are ignored (even NaN).
   */
  gemm(
    transA: boolean,
    transB: boolean,
    M: number,
    N: number,
    K: number,
    alpha: number,
    A: Float32Array,
    lda: number,
    B: Float32Array,
    ldb: number,
    beta: number,
    C: Float32Array,
    ldc: number,
  ): void;

  /**
   * LSTM cell forward, elementwise part, for a batch of `rows`, hidden size H.
   * `gates` [rows × 4H] holds the pre-activations in the order i, f, g, o; it is overwritten with the
   * activations sigmoid(i), sigmoid(f), tanh(g), sigmoid(o). Then c = f ⊙ cPrev + i ⊙ g,
   * tanhC = tanh(c), h = o ⊙ tanhC. All of c, tanhC, h are [rows × H].
   */
  lstmCellForward(
    rows: number,
    H: number,
    gates: Float32Array,
    cPrev: Float32Array,
    c: Float32Array,
    tanhC: Float32Array,
    h: Float32Array,
  ): void;

  /**
   * LSTM cell backward, elementwise part. Inputs: `gates` (activations from the forward), cPrev, tanhC,
   * dh (gradient w.r.t. h). `dc` holds on entry the gradient w.r.t. c arriving from the next time step
   * and on exit the gradient w.r.t. cPrev. `dGates` [rows × 4H] receives the gradient w.r.t. the gate
   * pre-activations (i, f, g, o).
   */
  lstmCellBackward(
    rows: number,
    H: number,
    gates: Float32Array,
    cPrev: Float32Array,
    tanhC: Float32Array,
    dh: Float32Array,
    dc: Float32Array,
    dGates: Float32Array,
  ): void;

  /**
   * Layer-normalised LSTM cell forward (TensorFlow's LayerNormBasicLSTMCell), elementwise part, for a
   * batch of `rows`, hidden size H. `gates` [rows × 4H] holds the pre-activations W·[x; h] (no bias) in
   * the order i, f, g, o. Each gate block k of each row is normalised on its own,
   * x̂ = (x − mean)/σ with σ = sqrt(var + 1e-5) (population variance over the H entries), then
   * y = gain[kH + j] · x̂ + bias[kH + j] (the LN bias is the gate bias); `gates` is overwritten with the
   * activations sigmoid(i), sigmoid(f), tanh(g), sigmoid(o) of y. The raw cell state f ⊙ cPrev + i ⊙ g is
   * normalised the same way with cellGain/cellBias [H]; that normalised state is `c`; tanhC = tanh(c),
   * h = o ⊙ tanhC. The backward's caches are written too: gateXhat [rows × 4H] and gateInvStd
   * [rows × 4] (x̂ and 1/σ per row and gate), cellXhat [rows × H] and cellInvStd [rows] (those of the
   * cell state). c may alias cPrev.
   */
  lstmCellLnForward(
    rows: number,
    H: number,
    gates: Float32Array,
    cPrev: Float32Array,
    c: Float32Array,
    tanhC: Float32Array,
    h: Float32Array,
    gain: Float32Array,
    bias: Float32Array,
    cellGain: Float32Array,
    cellBias: Float32Array,
    gateXhat: Float32Array,
    gateInvStd: Float32Array,
    cellXhat: Float32Array,
    cellInvStd: Float32Array,
  ): void;

  /**
   * Layer-normalised LSTM cell backward, elementwise part. Inputs as written by lstmCellLnForward
   * (`gates` = activations, tanhC, the four caches), cPrev, the gains, and dh (gradient w.r.t. h).
   * `dc` holds on entry the gradient w.r.t. the (normalised) c arriving from the next time step and on
   * exit the gradient w.r.t. cPrev. `dGates` [rows × 4H] receives the gradient w.r.t. the gate
   * pre-activations (before their layer norm). The gradients of gain/bias [4H] and cellGain/cellBias
   * [H] are accumulated (+=) into dGain, dBias, dCellGain, dCellBias, summed over the rows.
   */
  lstmCellLnBackward(
    rows: number,
    H: number,
    gates: Float32Array,
    cPrev: Float32Array,
    tanhC: Float32Array,
    dh: Float32Array,
    dc: Float32Array,
    dGates: Float32Array,
    gain: Float32Array,
    cellGain: Float32Array,
    gateXhat: Float32Array,
    gateInvStd: Float32Array,
    cellXhat: Float32Array,
    cellInvStd: Float32Array,
    dGain: Float32Array,
    dBias: Float32Array,
    dCellGain: Float32Array,
    dCellBias: Float32Array,
  ): void;

  /**
   * Additive (Bahdanau) attention scores for B batch entries, Ld queries and Le keys of size H:
   * hidden[b, t, i, :] = tanh(P[b, i, :] + Q[b, t, :]) and scores[b, t, i] = v · hidden[b, t, i, :],
   * where P = W1·E [B × Le × H] are the projected encoder outputs, Q = W2·D [B × Ld × H] the projected
   * decoder outputs and v [H] the score vector. hidden [B × Ld × Le × H] is kept for the backward;
   * scores is [B × Ld × Le]. Every (t, i) pair is scored (masking is the softmax's business).
   */
  additiveAttentionForward(
    B: number,
    Ld: number,
    Le: number,
    H: number,
    P: Float32Array,
    Q: Float32Array,
    v: Float32Array,
    hidden: Float32Array,
    scores: Float32Array,
  ): void;

  /**
   * A dense layer's activation: y [rows × cols] = tanh(y + bias), bias [cols] added to every row
   * (null: none). The vector kernels use the cell's polynomial tanh (about 1e-7 relative error).
   */
  biasTanh(rows: number, cols: number, y: Float32Array, bias: Float32Array | null): void;

  /**
   * Additive attention backward: from dScores [B × Ld × Le] and the forward's `hidden`, accumulates (+=)
   * dP [B × Le × H], dQ [B × Ld × H] and dv [H]. Entries whose dScores is exactly 0 (masked keys)
   * contribute nothing and their hidden values are not read.
   */
  additiveAttentionBackward(
    B: number,
    Ld: number,
    Le: number,
    H: number,
    v: Float32Array,
    hidden: Float32Array,
    dScores: Float32Array,
    dP: Float32Array,
    dQ: Float32Array,
    dv: Float32Array,
  ): void;
}
