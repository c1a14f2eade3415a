// Original file: proto/drover/v1/cas.proto

import type { Long } from '@grpc/proto-loader';

export interface DownloadChunk {
  'offset'?: (number | string | Long);
  'data'?: (Buffer | Uint8Array | string);
}

export interface DownloadChunk__Output {
  'offset': (number);
  'data': (Buffer);
}
