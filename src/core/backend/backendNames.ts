/**
 * The backend names the engine takes (`--backend`, `oodLens.backend`) and the package each one is
 * known by. tfjs-free, so the extension names the engine of a job (its status bar) with the same
 * words as the engine's reason line.
 */
export const BACKEND_NAMES = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
export type ConcreteBackendName = Exclude<BackendName, 'auto'>;

/** Names used in the reason line and the status bar: the packages a user would install. */
export const BACKEND_LABELS: Record<ConcreteBackendName, string> = {
  'tensorflow-gpu': 'tfjs-node-gpu',
  tensorflow: 'tfjs-node',
  wasm: 'wasm',
  cpu: 'cpu',
};

export function isBackendName(name: string): name is BackendName {
  return (BACKEND_NAMES as readonly string[]).includes(name);
}

/** The label of a backend name as the `started` event carries it; an unknown name is shown as is. */
export function backendLabel(name: string): string {
  return name in BACKEND_LABELS ? BACKEND_LABELS[name as ConcreteBackendName] : name;
}
