/** Child process for the stdin tests: reads `-` and prints its ReadSummary as JSON. */
import { summarize } from './read-summary.js';

try {
  process.stdout.write(JSON.stringify(await summarize('-')));
} catch (e) {
  process.stdout.write(JSON.stringify({ error: (e as Error).message }));
}
