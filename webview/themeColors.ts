/** Colours for the charts, read from the CSS variables VS Code sets for the current theme. */
import type { ChartSeries } from '../src/protocol';

const SERIES_COLOR_VARIABLES: Record<ChartSeries['colorRole'], string> = {
  train: '--vscode-charts-blue',
  test: '--vscode-charts-green',
  ood: '--vscode-charts-red',
  accuracy: '--vscode-charts-purple',
  loss: '--vscode-charts-orange',
  lr: '--vscode-charts-yellow',
};

/** Used only when a theme leaves a variable unset, so a line never goes invisible. */
const FALLBACK_COLORS: Record<ChartSeries['colorRole'], string> = {
  train: '#3794ff',
  test: '#89d185',
  ood: '#f14c4c',
  accuracy: '#b180d7',
  loss: '#d18616',
  lr: '#cca700',
};

function cssVariable(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

export interface ThemeColors {
  foreground: string;
  gridLines: string;
  fontFamily: string;
  series(role: ChartSeries['colorRole']): string;
}

export function readThemeColors(): ThemeColors {
  return {
    foreground: cssVariable('--vscode-foreground') || cssVariable('--vscode-editor-foreground') || '#cccccc',
    gridLines: cssVariable('--vscode-editorWidget-border') || cssVariable('--vscode-panel-border') || 'rgba(128,128,128,0.35)',
    fontFamily: cssVariable('--vscode-font-family') || 'sans-serif',
    series: (role) => cssVariable(SERIES_COLOR_VARIABLES[role]) || FALLBACK_COLORS[role],
  };
}

/** Calls `onChange` when VS Code switches theme (it swaps the body's class and the variables). */
export function onThemeChange(onChange: () => void): MutationObserver {
  const observer = new MutationObserver(onChange);
  observer.observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-id'] });
  return observer;
}
