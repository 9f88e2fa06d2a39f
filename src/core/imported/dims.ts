/** A tensor dimension of an ONNX graph: a number when fixed, a name (or undefined) when symbolic. */
export type Dim = number | string | undefined;

export function formatDims(dims: Dim[] | undefined): string {
  return dims === undefined ? '[?]' : `[${dims.map((d) => (d === undefined ? '?' : String(d))).join(', ')}]`;
}
