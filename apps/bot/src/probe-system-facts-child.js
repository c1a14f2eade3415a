// The child side of probe-dimensions.ts, in a short-lived process of its own: systeminformation
// (~12 MiB once loaded, for good) never enters the long-running bot. Its one argument is each
// probe's deadline in ms; probe-system-facts.js does the work.
import { printSystemFacts } from './probe-system-facts.js';

void printSystemFacts(Number(process.argv[2]));
