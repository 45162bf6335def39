/** Generalised advantage estimation (Eq. 18) over padded trajectories [rows × T]. */
export function computeGae(
  rewards: Float32Array,
  values: Float32Array,
  lens: ArrayLike<number>,
  T: number,
  gamma: number,
  lambda: number,
): { advantages: Float32Array; returns: Float32Array } {
  const advantages = new Float32Array(rewards.length);
  const returns = new Float32Array(rewards.length);
  for (let r = 0; r < lens.length; r++) {
    let gae = 0;
    for (let t = lens[r] - 1; t >= 0; t--) {
      const i = r * T + t;
      const next = t + 1 < lens[r] ? values[i + 1] : 0; // the episode ends after the last task
      const delta = rewards[i] + gamma * next - values[i];
      gae = delta + gamma * lambda * gae;
      advantages[i] = gae;
      returns[i] = gae + values[i];
    }
  }
  return { advantages, returns };
}
