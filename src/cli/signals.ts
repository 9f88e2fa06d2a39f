/**
 * SIGINT / SIGTERM ask the running job to stop at the next batch (the run is then marked
 * cancelled and stays consistent); a second signal exits at once.
 */
export function onStopSignal(): { requested: () => boolean; dispose: () => void } {
  let requested = false;
  const handler = (signal: NodeJS.Signals) => {
    if (requested) process.exit(130);
    requested = true;
    process.stderr.write(`\n${signal}: stopping after the current batch (again to quit at once)\n`);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    requested: () => requested,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
