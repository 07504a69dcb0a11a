/**
 * The pipeline's idle ticks (live capture ticks the stages on a wall-clock
 * timer when no packet arrives) stop once the source has ended: a timer
 * firing while the stages finish or after they closed used to tick a closed
 * detector thread, which threw from the timer and killed the process.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FrameSource, RawFrame, SourceStats } from '../../src/capture/frame.js';
import { Pipeline, type Stage } from '../../src/pipeline.js';

/** A source that delivers no frame and ends when told to. */
class IdleSource implements FrameSource {
  readonly name = 'idle';
  private end: (() => void) | null = null;
  run(_onFrame: (f: RawFrame) => void): Promise<SourceStats> {
    return new Promise((r) => {
      this.end = () => r({ frames: 0, bytesRead: 0, bytesTotal: 0, dropped: 0, ifDropped: 0, warnings: [] });
    });
  }
  stop(): void {
    this.end?.();
  }
  stats(): SourceStats {
    return { frames: 0, bytesRead: 0, bytesTotal: 0, dropped: 0, ifDropped: 0, warnings: [] };
  }
  interfaces() {
    return [];
  }
}

test('idle ticks reach the stages while the source runs, and none once it has ended (during the stages\' end-of-input work or after)', async () => {
  const ticks: string[] = [];
  let pipeline!: Pipeline;
  const stage: Stage = {
    name: 'probe',
    onPacket: () => {},
    onTick: (sec) => void ticks.push(`tick ${sec}`),
    onEnd: async () => {
      ticks.push('end');
      // A timer firing now, while the stage finishes.
      pipeline.tickIdle(3, 0);
      await new Promise((r) => setTimeout(r, 5));
      pipeline.tickIdle(4, 0);
    },
  };
  const source = new IdleSource();
  pipeline = new Pipeline(source, [stage]);
  const done = pipeline.run();
  pipeline.tickIdle(1, 0);
  pipeline.tickIdle(2, 0);
  source.stop();
  await done;
  pipeline.tickIdle(5, 0);
  assert.deepEqual(ticks, ['tick 1', 'tick 2', 'end']);
});
