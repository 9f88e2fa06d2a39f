import { UserInputError } from '../errors';

/** Per sample, 1 where the prediction equals the label, else 0 (the `correct` input of ECE). */
export function correctness(predicted: ArrayLike<number>, labels: ArrayLike<number>): Uint8Array {
  if (predicted.length !== labels.length) {
    throw new UserInputError(
      `${predicted.length} predictions but ${labels.length} labels: expected one label per prediction`,
      String(labels.length),
      String(predicted.length),
    );
  }
  const out = new Uint8Array(predicted.length);
  for (let i = 0; i < predicted.length; i++) out[i] = predicted[i] === labels[i] ? 1 : 0;
  return out;
}

/** The fraction of predictions equal to their label. */
export function accuracy(predicted: ArrayLike<number>, labels: ArrayLike<number>): number {
  const correct = correctness(predicted, labels);
  if (correct.length === 0) throw new UserInputError('accuracy of no predictions: expected at least one', '0', '>= 1 prediction');
  let hits = 0;
  for (let i = 0; i < correct.length; i++) hits += correct[i];
  return hits / correct.length;
}
