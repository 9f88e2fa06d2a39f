/**
 * Numbers as a person reads them, shared by the extension (tree tooltips) and the webviews (chart
 * axes). Pure: no `vscode`, no DOM, no Node.
 */

/** A learning rate or weight decay as people write it: 0.1, 0.01, 0.002, 5e-5 (never "5.00000E-5"). */
export function learningRateText(value: number): string {
  if (!Number.isFinite(value) || value === 0) return String(value);
  const rounded = Number(value.toPrecision(3));
  return Math.abs(rounded) >= 1e-3 ? String(rounded) : rounded.toExponential();
}
