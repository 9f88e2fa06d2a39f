/**
 * Finds an installed npm package's folder. `require.resolve('<pkg>/package.json')` is left as a
 * run-time call by esbuild when node_modules is external, so it resolves from dist/ the same way
 * it does from src/ under tsx. Returns undefined when the package is not installed (an installed
 * .vsix carries no data packages).
 */
import { dirname } from 'node:path';

export function installedPackageDir(packageName: string): string | undefined {
  try {
    return dirname(require.resolve(`${packageName}/package.json`));
  } catch {
    return undefined;
  }
}
