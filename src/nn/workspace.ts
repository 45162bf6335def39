/**
 * Buffers allocated once (llm.c's habit): a pass asks its workspace for a named buffer of the length
 * it needs and gets the same memory on every call whose length fits, so a second pass of the same
 * shape allocates nothing. A buffer grows (once) when a longer one is asked for. Every allocation of a
 * network pass goes through here and is counted, so a test can check that the steady state allocates
 * no typed arrays.
 *
 * A buffer stays valid until the next request under the same name: a pass's outputs are views that
 * the next pass of the same kind overwrites.
 */

let allocations = 0;

/** Typed arrays allocated by every workspace so far. */
export function workspaceAllocations(): number {
  return allocations;
}

export class Workspace {
  private readonly floats = new Map<string, Float32Array>();
  private readonly ints = new Map<string, Int32Array>();
  private pass = 0;

  /** Starts a pass over this workspace; its ticket goes stale when the next pass begins. */
  begin(): number {
    return ++this.pass;
  }

  /** Refuses a stale ticket: its pass's buffers have been overwritten by a later pass. */
  assertCurrent(ticket: number, what: string): void {
    if (ticket !== this.pass)
      throw new Error(
        `${what}: a later pass has reused this pass's buffers (finish one pass before the next)`,
      );
  }

  /** A zeroed view of `length` floats under `name`. */
  f32(name: string, length: number): Float32Array {
    return zeroedView(this.floats, name, length, (n) => new Float32Array(n));
  }

  /** A zeroed view of `length` 32-bit integers under `name`. */
  i32(name: string, length: number): Int32Array {
    return zeroedView(this.ints, name, length, (n) => new Int32Array(n));
  }
}

/** The buffer under `name` (made, and counted, when missing or too short), as a zeroed view of `length`. */
function zeroedView<A extends Float32Array | Int32Array>(
  slots: Map<string, A>,
  name: string,
  length: number,
  make: (n: number) => A,
): A {
  const buf = slots.get(name);
  if (!buf || buf.length < length) {
    allocations++;
    const fresh = make(length);
    slots.set(name, fresh);
    return fresh;
  }
  const view = buf.subarray(0, length) as A;
  view.fill(0);
  return view;
}
