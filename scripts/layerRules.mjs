// The layers of docs/DESIGN.md, checked on what esbuild actually bundled (its metafile), so a
// hurried import cannot break them quietly:
// - the extension host never loads the engine's ML runtimes (tfjs, onnxruntime): it starts the
//   CLI as a child process for that;
// - the engine, the CLI and the bench never import `vscode`;
// - a webview bundles only its own code, the typed protocol and pure helpers from src/, and no
//   ML runtime.
// `layerViolations(outfile, metafile)` returns one line per broken rule (empty: all kept).

const ML_RUNTIMES = /^(@tensorflow\/|onnxruntime-|onnx-proto$)/;
const NODE_LAYER_BUNDLES = ['dist/core.js', 'dist/cli.js', 'dist/bench.js', 'dist/gradientWorker.js'];
/** What a webview may bundle from src/: the protocol and pure, DOM- and Node-free helpers. */
const WEBVIEW_ALLOWED_SOURCES = /^(webview\/|node_modules\/|src\/protocol\.ts$|src\/numberText\.ts$)/;

/** Which input of the bundle imports `path`: "a.ts -> b.ts" chains are long; one hop says where to look. */
function importersOf(metafile, path) {
  return Object.entries(metafile.inputs)
    .filter(([, input]) => input.imports.some((entry) => entry.path === path))
    .map(([file]) => file);
}

function externalImports(metafile) {
  const found = new Set();
  for (const input of Object.values(metafile.inputs)) for (const entry of input.imports) if (entry.external) found.add(entry.path);
  return [...found];
}

export function layerViolations(outfile, metafile) {
  const problems = [];
  const externals = externalImports(metafile);
  const inputs = Object.keys(metafile.inputs);
  if (outfile === 'dist/extension.js') {
    for (const name of externals.filter((path) => ML_RUNTIMES.test(path))) {
      problems.push(`${outfile} imports ${name} (from ${importersOf(metafile, name).join(', ')}): the extension host must not load an ML runtime; run the engine through the CLI (jobRunner)`);
    }
    for (const file of inputs.filter((path) => /node_modules\/(@tensorflow|onnxruntime)/.test(path))) {
      problems.push(`${outfile} bundles ${file}: the extension host must not load an ML runtime`);
    }
  }
  if (NODE_LAYER_BUNDLES.includes(outfile) && externals.includes('vscode')) {
    problems.push(`${outfile} imports vscode (from ${importersOf(metafile, 'vscode').join(', ')}): the engine, CLI and bench run without VS Code`);
  }
  if (outfile.startsWith('dist/webview/')) {
    for (const file of inputs.filter((path) => !WEBVIEW_ALLOWED_SOURCES.test(path))) {
      problems.push(`${outfile} bundles ${file}: a webview draws what the extension posts; it may import only webview/, src/protocol.ts and src/numberText.ts`);
    }
    for (const file of inputs.filter((path) => /node_modules\/(@tensorflow|onnxruntime)/.test(path))) {
      problems.push(`${outfile} bundles ${file}: a webview computes no metric and runs no model`);
    }
  }
  return problems;
}
