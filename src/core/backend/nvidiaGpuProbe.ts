/**
 * A cheap look for an NVIDIA GPU with its driver, made before loading tfjs-node-gpu. Only one
 * `tensorflow` backend can live in a process and a loaded package cannot be unloaded, so the
 * GPU package is loaded only where it can use a GPU; elsewhere tfjs-node stays loadable.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export interface GpuProbe {
  found: boolean;
  /** What was looked at, for the backend's reason. */
  evidence: string;
}

export function probeNvidiaGpu(platform: NodeJS.Platform = process.platform): GpuProbe {
  if (platform === 'linux') {
    // The driver's control device and its proc entry exist exactly when the kernel module is
    // loaded (also inside containers run with the NVIDIA runtime).
    for (const path of ['/dev/nvidiactl', '/proc/driver/nvidia/version']) {
      if (existsSync(path)) return { found: true, evidence: `${path} present` };
    }
    return { found: false, evidence: 'no NVIDIA driver (/dev/nvidiactl absent)' };
  }
  if (platform === 'win32') {
    const driverLibrary = join(process.env.SystemRoot ?? 'C:\\Windows', 'System32', 'nvcuda.dll');
    if (existsSync(driverLibrary)) return { found: true, evidence: `${driverLibrary} present` };
    return { found: false, evidence: 'no NVIDIA driver (nvcuda.dll absent)' };
  }
  return { found: false, evidence: `tfjs-node-gpu has no GPU support on ${platform}` };
}
