/**
 * Milliseconds on a clock that never steps back: time bounds (the redelivery window, the
 * secret reuse) are measured on it, so a wall-clock change never stretches or shrinks them.
 */
export const monotonicNow = (): number => performance.now();
