/**
 * The compute backend behind every layer: a row-major GEMM and the fused LSTM-cell elementwise math.
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
}
