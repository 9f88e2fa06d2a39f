/**
 * Seeds for the random parts of a network (one per initialiser, one per dropout call), derived
 * from the user's seed and a label with plain 32-bit integer arithmetic, so they are the same on
 * every machine.
 *
 * tfjs's random ops treat a seed of 0 as "no seed" (they fall back to Math.random()), so every
 * seed made here is in [1, 2^31 - 1].
 */

/** Folds any finite number (negative, fractional, beyond 2^32) into a uint32. */
function foldToUint32(value: number): number {
  const whole = Math.trunc(value);
  const high = Math.floor(whole / 0x1_0000_0000);
  return (whole ^ Math.imul(high, 0x9e3779b9)) >>> 0;
}

/** The murmur3 finaliser: spreads every input bit over the output. */
function avalanche(hash: number): number {
  let h = hash >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function toTfjsSeed(hash: number): number {
  return (hash % 0x7fff_ffff) + 1;
}

/** The seed of one named part of a network (a layer's initialiser, a dropout layer). */
export function seedForLayer(modelSeed: number, layerName: string): number {
  let hash = 0x811c9dc5 ^ avalanche(foldToUint32(modelSeed));
  for (let i = 0; i < layerName.length; i++) {
    hash ^= layerName.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return toTfjsSeed(avalanche(hash));
}

/** The seed of the callIndex-th draw of a stream whose own seed is streamSeed. */
export function seedForCall(streamSeed: number, callIndex: number): number {
  const mixed = avalanche(foldToUint32(streamSeed) ^ avalanche(foldToUint32(callIndex) + 0x9e3779b9));
  return toTfjsSeed(mixed);
}
