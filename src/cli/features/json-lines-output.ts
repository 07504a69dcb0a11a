/**
 * EVE JSON-lines files of the record bus (`--alerts FILE`, `--stats FILE`):
 * opened before the run (a bad path is a usage error naming the option),
 * appended to as records come, flushed and closed when the run ends, with
 * the count of records dropped because the disk fell behind.
 */
import { InvalidArgumentError } from 'commander';
import type { RecordKind } from '../../events.js';
import { JsonLinesSink } from '../../output/eve.js';
import { UsageError, type RunContext } from '../context.js';

/** Commander parser of a FILE argument. */
export function parseFileArg(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('expected a file path.');
  return value;
}

/** Appends every `kind` record of the run to `file`, the value of `option`. */
export function writeRecordsTo(ctx: RunContext, option: string, file: string, kind: RecordKind): void {
  let sink: JsonLinesSink;
  try {
    sink = new JsonLinesSink(file);
  } catch (e) {
    throw new UsageError(`${option} ${file}: ${(e as Error).message}`);
  }
  ctx.bus.on(kind, (rec) => sink.write(rec));
  ctx.onClose(async () => {
    await sink.close();
    if (sink.dropped > 0) ctx.log(`${option} ${file}: ${sink.dropped} ${kind} record(s) dropped (disk too slow)`);
  });
}
