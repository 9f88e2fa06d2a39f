import { UserInputError } from '../errors';

/** A learning-rate schedule: the rate for a (0-based) epoch and step within it. */
export type Schedule = (epoch: number, stepInEpoch: number, stepsPerEpoch: number) => number;

/**
 * Parses `constant`, `step:80,140` (x0.1 at each listed epoch, 1-based as the paper states it:
 * epochs 81.. run at lr/10), `step:80,140@0.2` (another factor) and `cosine` (per step, to 0 at
 * the last epoch), each optionally followed by `+warmup:E`: a linear warm-up over the first E
 * epochs (fractions allowed), step k (0-based) running at (k + 1) / (E * stepsPerEpoch) of the
 * scheduled rate. Warm-up is what keeps LogitNorm from blowing the logit norm up at lr 0.1 on
 * nets whose last layers have no batch norm (its gradient scales with 1 / (tau ||f||), and ||f||
 * is small at initialisation).
 */
export function parseSchedule(spec: string, baseLr: number, totalEpochs: number): Schedule {
  const warm = /^(.+)\+warmup:([0-9.eE+-]+)$/.exec(spec);
  if (warm) {
    const epochs = Number(warm[2]);
    if (!(epochs > 0) || !Number.isFinite(epochs)) throw badSchedule(spec);
    const inner = parseSchedule(warm[1], baseLr, totalEpochs);
    return (epoch, step, stepsPerEpoch) => {
      const warmSteps = epochs * Math.max(1, stepsPerEpoch);
      const k = epoch * Math.max(1, stepsPerEpoch) + step;
      return inner(epoch, step, stepsPerEpoch) * Math.min(1, (k + 1) / warmSteps);
    };
  }
  if (spec === 'constant') return () => baseLr;
  if (spec === 'cosine') {
    return (epoch, step, stepsPerEpoch) => {
      const t = (epoch + step / Math.max(1, stepsPerEpoch)) / Math.max(1, totalEpochs);
      return 0.5 * baseLr * (1 + Math.cos(Math.PI * Math.min(1, t)));
    };
  }
  const m = /^step:([0-9,\s]+)(?:@([0-9.eE-]+))?$/.exec(spec);
  if (m) {
    const milestones = m[1].split(',').map((s) => Number(s.trim())).filter((n) => Number.isFinite(n));
    const factor = m[2] === undefined ? 0.1 : Number(m[2]);
    if (milestones.length === 0 || !(factor > 0)) throw badSchedule(spec);
    return (epoch) => baseLr * Math.pow(factor, milestones.filter((e) => epoch >= e).length);
  }
  throw badSchedule(spec);
}

function badSchedule(spec: string): UserInputError {
  return new UserInputError(`unknown schedule '${spec}': expected constant, cosine, or step:E1,E2[@factor] (e.g. step:80,140), optionally followed by +warmup:EPOCHS (e.g. cosine+warmup:1)`, spec, 'constant | cosine | step:80,140, optionally +warmup:E');
}
