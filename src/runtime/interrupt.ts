/**
 * Cooperative interruption for long-running library loops (training, sweeps, spectra).
 *
 * The kernel calls {@link requestInterrupt} when Jupyter sends SIGINT ("Interrupt the kernel").
 * Loops call {@link throwIfInterrupted} between units of work (one batch, one run), so an
 * interrupt stops within one unit and leaves models and files in a consistent state.
 */

/** Thrown by {@link throwIfInterrupted} after the user interrupted the kernel. */
export class InterruptedError extends Error {
  constructor() {
    super("Interrupted by the user (kernel interrupt). Work done so far was kept.");
    this.name = "InterruptedError";
  }
}

let pending = false;

/** Marks an interrupt as pending; the next {@link throwIfInterrupted} throws. */
export function requestInterrupt(): void {
  pending = true;
}

/** Clears a pending interrupt (the kernel does this at the start of every cell). */
export function clearInterrupt(): void {
  pending = false;
}

/** True while an interrupt is pending. */
export function interruptPending(): boolean {
  return pending;
}

/** Throws {@link InterruptedError} (and clears the flag) if an interrupt is pending. */
export function throwIfInterrupted(): void {
  if (pending) {
    pending = false;
    throw new InterruptedError();
  }
}
