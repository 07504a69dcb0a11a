/**
 * Micro benchmark of the capture reader alone: frames delivered to a no-op
 * callback, so the figure is the file-reading floor of the packet path.
 */
import { openCaptureFile } from '../src/capture/open.js';

export async function benchRead(path: string): Promise<{ frames: number; ms: number }> {
  const t0 = performance.now();
  const src = await openCaptureFile(path);
  let frames = 0;
  await src.run(() => {
    frames++;
  });
  return { frames, ms: performance.now() - t0 };
}
