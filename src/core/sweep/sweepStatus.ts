/** Where a tau sweep and each of its taus stand (sweepRecord.ts); no imports, so the protocol and the webviews can name them. */
export type SweepPointStatus = 'queued' | 'training' | 'evaluating' | 'done' | 'failed' | 'cancelled';
export type SweepStatus = 'running' | 'done' | 'cancelled' | 'failed';
