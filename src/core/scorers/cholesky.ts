/**
 * Dense symmetric positive-definite linear algebra in double precision, row-major n x n arrays,
 * for the Mahalanobis scorer's shared covariance (n = feature dimension, a few hundred at most).
 */

/** The lower-triangular L with A = L L^T, or undefined when A is not (numerically) positive definite. */
export function choleskyLower(a: Float64Array, n: number): Float64Array | undefined {
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let diagonal = a[j * n + j];
    for (let k = 0; k < j; k++) diagonal -= l[j * n + k] * l[j * n + k];
    if (!(diagonal > 0)) return undefined;
    const ljj = Math.sqrt(diagonal);
    l[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let sum = a[i * n + j];
      for (let k = 0; k < j; k++) sum -= l[i * n + k] * l[j * n + k];
      l[i * n + j] = sum / ljj;
    }
  }
  return l;
}

/** L^-1 for a lower-triangular L with a positive diagonal (forward substitution, column by column). */
export function lowerTriangularInverse(l: Float64Array, n: number): Float64Array {
  const inverse = new Float64Array(n * n);
  for (let column = 0; column < n; column++) {
    for (let i = column; i < n; i++) {
      let sum = i === column ? 1 : 0;
      for (let k = column; k < i; k++) sum -= l[i * n + k] * inverse[k * n + column];
      inverse[i * n + column] = sum / l[i * n + i];
    }
  }
  return inverse;
}
