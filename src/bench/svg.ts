/**
 * Small, dependency-free SVG charts for docs/results.md: line charts (logit norm per epoch,
 * FPR95 against tau) and overlaid histograms (ID vs OOD scores).
 */

export interface Series {
  label: string;
  points: [number, number][];
  dashed?: boolean;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];
const W = 680;
const H = 320;
const M = { left: 60, right: 230, top: 30, bottom: 45 };

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function ticks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const step0 = (max - min) / count;
  const mag = Math.pow(10, Math.floor(Math.log10(step0)));
  const step = [1, 2, 5, 10].map((f) => f * mag).find((s) => s >= step0) ?? step0;
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + 1e-9 * step; v += step) out.push(Number(v.toPrecision(10)));
  return out;
}

function frame(title: string, xLabel: string, yLabel: string, xs: [number, number], ys: [number, number], body: string[], logY = false): string {
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const sx = (x: number) => M.left + ((x - xs[0]) / (xs[1] - xs[0] || 1)) * pw;
  const tyv = (y: number) => (logY ? Math.log10(Math.max(y, 1e-12)) : y);
  const sy = (y: number) => M.top + ph - ((tyv(y) - tyv(ys[0])) / (tyv(ys[1]) - tyv(ys[0]) || 1)) * ph;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${M.left + pw / 2}" y="18" text-anchor="middle" font-size="13">${esc(title)}</text>`,
    `<line x1="${M.left}" y1="${M.top + ph}" x2="${M.left + pw}" y2="${M.top + ph}" stroke="#333"/>`,
    `<line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${M.top + ph}" stroke="#333"/>`,
    `<text x="${M.left + pw / 2}" y="${H - 8}" text-anchor="middle">${esc(xLabel)}</text>`,
    `<text x="14" y="${M.top + ph / 2}" text-anchor="middle" transform="rotate(-90 14 ${M.top + ph / 2})">${esc(yLabel)}</text>`,
  ];
  for (const t of ticks(xs[0], xs[1])) parts.push(`<text x="${sx(t)}" y="${M.top + ph + 15}" text-anchor="middle">${t}</text>`);
  const yt = logY ? ticks(Math.floor(Math.log10(Math.max(ys[0], 1e-12))), Math.ceil(Math.log10(ys[1]))).map((e) => Math.pow(10, e)) : ticks(ys[0], ys[1]);
  for (const t of yt) {
    if (t < ys[0] || t > ys[1]) continue;
    parts.push(`<line x1="${M.left - 4}" y1="${sy(t)}" x2="${M.left + pw}" y2="${sy(t)}" stroke="#eee"/>`);
    parts.push(`<text x="${M.left - 6}" y="${sy(t) + 4}" text-anchor="end">${Number(t.toPrecision(3))}</text>`);
  }
  return [...parts, ...body.map((b) => b.replace(/\{sx:([-0-9.e]+)\}/g, (_, v) => String(sx(Number(v)))).replace(/\{sy:([-0-9.e]+)\}/g, (_, v) => String(sy(Number(v))))), '</svg>'].join('\n');
}

export function lineChart(title: string, xLabel: string, yLabel: string, series: Series[], options: { logY?: boolean } = {}): string {
  const all = series.flatMap((s) => s.points).filter(([, y]) => Number.isFinite(y));
  const xs: [number, number] = [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))];
  const ymin = options.logY ? Math.min(...all.map((p) => p[1]).filter((y) => y > 0)) : Math.min(0, ...all.map((p) => p[1]));
  const ys: [number, number] = [ymin, Math.max(...all.map((p) => p[1])) * 1.05 || 1];
  const body: string[] = [];
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const d = s.points.filter(([, y]) => Number.isFinite(y)).map(([x, y], j) => `${j ? 'L' : 'M'}{sx:${x}},{sy:${y}}`).join(' ');
    body.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5,4"' : ''}/>`);
    for (const [x, y] of s.points) if (Number.isFinite(y)) body.push(`<circle cx="{sx:${x}}" cy="{sy:${y}}" r="2.5" fill="${color}"/>`);
    body.push(`<line x1="${W - M.right + 10}" y1="${M.top + 10 + i * 16}" x2="${W - M.right + 30}" y2="${M.top + 10 + i * 16}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5,4"' : ''}/>`);
    body.push(`<text x="${W - M.right + 34}" y="${M.top + 14 + i * 16}">${esc(s.label)}</text>`);
  });
  return frame(title, xLabel, yLabel, xs, ys, body, options.logY);
}

/** Overlaid histograms on one shared range (edges: bins + 1 values; counts normalised to fractions). */
export function histogramChart(title: string, xLabel: string, edges: number[], sets: { label: string; counts: number[] }[]): string {
  const fractions = sets.map((s) => {
    const total = s.counts.reduce((a, b) => a + b, 0) || 1;
    return s.counts.map((c) => c / total);
  });
  const ymax = Math.max(...fractions.flat()) * 1.05 || 1;
  const body: string[] = [];
  sets.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    fractions[i].forEach((f, b) => {
      if (f <= 0) return;
      body.push(`<rect x="{sx:${edges[b]}}" y="{sy:${f}}" width="${0}" height="0" data-x2="${edges[b + 1]}" fill="${color}" fill-opacity="0.45"/>`);
    });
    body.push(`<rect x="${W - M.right + 10}" y="${M.top + 4 + i * 16}" width="20" height="10" fill="${color}" fill-opacity="0.45"/>`);
    body.push(`<text x="${W - M.right + 34}" y="${M.top + 14 + i * 16}">${esc(s.label)}</text>`);
  });
  // Bars need both edges in pixels: resolve widths and heights after the frame maps coordinates.
  const svg = frame(title, xLabel, 'fraction of images', [edges[0], edges[edges.length - 1]], [0, ymax], body);
  const baseY = H - M.bottom;
  return svg.replace(/<rect x="([-0-9.e]+)" y="([-0-9.e]+)" width="0" height="0" data-x2="([-0-9.e]+)"/g, (_, x, y, x2) => {
    const pw = W - M.left - M.right;
    const px2 = M.left + ((Number(x2) - edges[0]) / (edges[edges.length - 1] - edges[0] || 1)) * pw;
    return `<rect x="${x}" y="${y}" width="${Math.max(0.5, px2 - Number(x))}" height="${Math.max(0, baseY - Number(y))}"`;
  });
}
