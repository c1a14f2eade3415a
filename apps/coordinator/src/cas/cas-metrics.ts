import { Counter, Gauge, type Registry } from 'prom-client';
import type { BlobGcMetrics } from './blob-gc';

/** The CAS's series on /metrics: its size (refreshed by each GC sweep) and what the GC deleted. */
export function casMetrics(registry: Registry): BlobGcMetrics {
  return {
    casBytes: new Gauge({
      name: 'drover_cas_bytes',
      help: 'Bytes of the blobs the CAS holds (--cas-dir), as of the last blob GC sweep',
      registers: [registry],
    }),
    blobsDeleted: new Counter({
      name: 'drover_cas_blobs_deleted_total',
      help: 'Blobs the blob GC deleted (unreferenced, older than --cas-retention)',
      registers: [registry],
    }),
    bytesDeleted: new Counter({
      name: 'drover_cas_bytes_deleted_total',
      help: 'Bytes of the blobs the blob GC deleted',
      registers: [registry],
    }),
  };
}
