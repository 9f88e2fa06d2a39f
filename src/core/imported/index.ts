export { readClassifierGraph, withExtraOutputs, decodeModel, formatDims, type OnnxClassifierGraph, type FinalLayer, type TensorInfo, type GraphOptions } from './onnxGraph';
export { readSidecar, sidecarPath, writeSidecar, type Sidecar } from './sidecar';
export { PREPROCESSING_PRESETS, resolvePreprocessing, toModelInput, inputShape, parseNumberList, parseSize, type Preprocessing, type PreprocessingSpec, type Layout } from './preprocessing';
export { OnnxClassifier, readModelFile, type ModelOutputsBatch } from './onnxClassifier';
export { evaluateImportedModel, loadImportedData, planScorers, spreadIndices, ODIN_TEMPERATURE_ONLY, type ImportedRunConfig, type ImportedEvaluateOptions, type ImportedData } from './evaluateImported';
