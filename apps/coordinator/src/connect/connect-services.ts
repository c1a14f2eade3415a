import type { DescService } from '@bufbuild/protobuf';
import { es, esBots, esGraph, esTasks } from '@drover/protocol';

/** The services served over the Connect protocol as well as gRPC: what users and operators call. */
export const CONNECT_SERVICES: readonly DescService[] = [esTasks, esBots, esGraph, es.Access];
