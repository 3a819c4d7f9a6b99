/**
 * Cooperative interruption for long-running library loops (training, sweeps, spectra).
 *
 * The kernel calls {@link requestInterrupt} when Jupyter sends SIGINT ("Interrupt the kernel").
 * A loop takes an {@link interruptToken} when it starts and calls {@link throwIfInterrupted}
 * with it between units of work (one batch, one run): any interrupt after the loop started stops
 * it within one unit and leaves models and files consistent, even if another cell has started
 * since (the kernel ends the interrupted cell at once; the loop notices at its next check).
 */

/** Thrown by {@link throwIfInterrupted} after the user interrupted the kernel. */
export class InterruptedError extends Error {
  constructor() {
    super("Interrupted by the user (kernel interrupt). Work done so far was kept.");
    this.name = "InterruptedError";
  }
}

let generation = 0;
let pending = false;

/** Records an interrupt: loops started before it stop at their next check. */
export function requestInterrupt(): void {
  generation++;
  pending = true;
}

/** Clears the pending flag used by token-less checks (the kernel does this at the start of every cell). */
export function clearInterrupt(): void {
  pending = false;
}

/** True while a token-less interrupt is pending. */
export function interruptPending(): boolean {
  return pending;
}

/** A token for a loop starting now: {@link throwIfInterrupted}(token) throws after any later interrupt. */
export function interruptToken(): number {
  return generation;
}

/**
 * Throws {@link InterruptedError} if the kernel was interrupted since `token` was taken, or (with
 * no token) if an interrupt is pending in the current cell.
 */
export function throwIfInterrupted(token?: number): void {
  if (token !== undefined ? generation !== token : pending) {
    pending = false;
    throw new InterruptedError();
  }
}
