/** Probes the machine, prints the facts as one JSON line and exits (probe-system-facts.js). */
export function printSystemFacts(timeoutMs: number): Promise<void>;
