/** A compact fingerprint of everything a source delivers, to compare two ways of reading the same capture. */
import { createHash } from 'node:crypto';
import { openCaptureFile } from '../../src/capture/open.js';

export interface ReadSummary {
  frames: number;
  /** sha256 over n, time, lengths, link type and bytes of every frame. */
  digest: string;
  warnings: string[];
  bytesRead: number;
  bytesTotal: number;
}

export async function summarize(path: string): Promise<ReadSummary> {
  const h = createHash('sha256');
  const src = await openCaptureFile(path);
  const meta = new Float64Array(6);
  const st = await src.run((f) => {
    meta[0] = f.n;
    meta[1] = f.tsSec;
    meta[2] = f.tsNsec;
    meta[3] = f.origLen;
    meta[4] = f.capLen;
    meta[5] = f.linkType;
    h.update(meta);
    h.update(f.data);
  });
  return { frames: st.frames, digest: h.digest('hex'), warnings: st.warnings, bytesRead: st.bytesRead, bytesTotal: st.bytesTotal };
}
