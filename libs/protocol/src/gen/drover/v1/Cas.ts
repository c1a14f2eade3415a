// Original file: proto/drover/v1/cas.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { DownloadChunk as _drover_v1_DownloadChunk, DownloadChunk__Output as _drover_v1_DownloadChunk__Output } from '../../drover/v1/DownloadChunk';
import type { DownloadRequest as _drover_v1_DownloadRequest, DownloadRequest__Output as _drover_v1_DownloadRequest__Output } from '../../drover/v1/DownloadRequest';
import type { FindMissingRequest as _drover_v1_FindMissingRequest, FindMissingRequest__Output as _drover_v1_FindMissingRequest__Output } from '../../drover/v1/FindMissingRequest';
import type { FindMissingResponse as _drover_v1_FindMissingResponse, FindMissingResponse__Output as _drover_v1_FindMissingResponse__Output } from '../../drover/v1/FindMissingResponse';
import type { UploadChunk as _drover_v1_UploadChunk, UploadChunk__Output as _drover_v1_UploadChunk__Output } from '../../drover/v1/UploadChunk';
import type { UploadResponse as _drover_v1_UploadResponse, UploadResponse__Output as _drover_v1_UploadResponse__Output } from '../../drover/v1/UploadResponse';

export interface CasClient extends grpc.Client {
  /**
   * A blob's bytes from offset, at most limit of them (0 = to the end), in chunks of 1 MiB.
   */
  Download(argument: _drover_v1_DownloadRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_drover_v1_DownloadChunk__Output>;
  Download(argument: _drover_v1_DownloadRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_drover_v1_DownloadChunk__Output>;
  /**
   * A blob's bytes from offset, at most limit of them (0 = to the end), in chunks of 1 MiB.
   */
  download(argument: _drover_v1_DownloadRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_drover_v1_DownloadChunk__Output>;
  download(argument: _drover_v1_DownloadRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_drover_v1_DownloadChunk__Output>;
  
  /**
   * The digests the CAS does not hold, in the order asked: upload those. At most 10000 digests.
   */
  FindMissing(argument: _drover_v1_FindMissingRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_FindMissingResponse__Output>): grpc.ClientUnaryCall;
  FindMissing(argument: _drover_v1_FindMissingRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_FindMissingResponse__Output>): grpc.ClientUnaryCall;
  FindMissing(argument: _drover_v1_FindMissingRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_FindMissingResponse__Output>): grpc.ClientUnaryCall;
  FindMissing(argument: _drover_v1_FindMissingRequest, callback: grpc.requestCallback<_drover_v1_FindMissingResponse__Output>): grpc.ClientUnaryCall;
  /**
   * The digests the CAS does not hold, in the order asked: upload those. At most 10000 digests.
   */
  findMissing(argument: _drover_v1_FindMissingRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_FindMissingResponse__Output>): grpc.ClientUnaryCall;
  findMissing(argument: _drover_v1_FindMissingRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_FindMissingResponse__Output>): grpc.ClientUnaryCall;
  findMissing(argument: _drover_v1_FindMissingRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_FindMissingResponse__Output>): grpc.ClientUnaryCall;
  findMissing(argument: _drover_v1_FindMissingRequest, callback: grpc.requestCallback<_drover_v1_FindMissingResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Stores blobs. The stream holds one blob after another, each as chunks in order: the first
   * chunk of a blob has its digest and offset 0, the next ones offset = bytes sent so far, each
   * at most 1048576 bytes of data. The coordinator writes a blob to a temporary file, checks its
   * size and SHA-256 against the digest, and renames it in place: a blob is complete or absent.
   * A blob already held is read and discarded (existed). At most 1000 blobs per call; a blob at
   * most --cas-max-blob-bytes (default 4 GiB).
   */
  Upload(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_UploadResponse__Output>): grpc.ClientWritableStream<_drover_v1_UploadChunk>;
  Upload(metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_UploadResponse__Output>): grpc.ClientWritableStream<_drover_v1_UploadChunk>;
  Upload(options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_UploadResponse__Output>): grpc.ClientWritableStream<_drover_v1_UploadChunk>;
  Upload(callback: grpc.requestCallback<_drover_v1_UploadResponse__Output>): grpc.ClientWritableStream<_drover_v1_UploadChunk>;
  /**
   * Stores blobs. The stream holds one blob after another, each as chunks in order: the first
   * chunk of a blob has its digest and offset 0, the next ones offset = bytes sent so far, each
   * at most 1048576 bytes of data. The coordinator writes a blob to a temporary file, checks its
   * size and SHA-256 against the digest, and renames it in place: a blob is complete or absent.
   * A blob already held is read and discarded (existed). At most 1000 blobs per call; a blob at
   * most --cas-max-blob-bytes (default 4 GiB).
   */
  upload(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_UploadResponse__Output>): grpc.ClientWritableStream<_drover_v1_UploadChunk>;
  upload(metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_UploadResponse__Output>): grpc.ClientWritableStream<_drover_v1_UploadChunk>;
  upload(options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_UploadResponse__Output>): grpc.ClientWritableStream<_drover_v1_UploadChunk>;
  upload(callback: grpc.requestCallback<_drover_v1_UploadResponse__Output>): grpc.ClientWritableStream<_drover_v1_UploadChunk>;
  
}

export interface CasHandlers extends grpc.UntypedServiceImplementation {
  /**
   * A blob's bytes from offset, at most limit of them (0 = to the end), in chunks of 1 MiB.
   */
  Download: grpc.handleServerStreamingCall<_drover_v1_DownloadRequest__Output, _drover_v1_DownloadChunk>;
  
  /**
   * The digests the CAS does not hold, in the order asked: upload those. At most 10000 digests.
   */
  FindMissing: grpc.handleUnaryCall<_drover_v1_FindMissingRequest__Output, _drover_v1_FindMissingResponse>;
  
  /**
   * Stores blobs. The stream holds one blob after another, each as chunks in order: the first
   * chunk of a blob has its digest and offset 0, the next ones offset = bytes sent so far, each
   * at most 1048576 bytes of data. The coordinator writes a blob to a temporary file, checks its
   * size and SHA-256 against the digest, and renames it in place: a blob is complete or absent.
   * A blob already held is read and discarded (existed). At most 1000 blobs per call; a blob at
   * most --cas-max-blob-bytes (default 4 GiB).
   */
  Upload: grpc.handleClientStreamingCall<_drover_v1_UploadChunk__Output, _drover_v1_UploadResponse>;
  
}

export interface CasDefinition extends grpc.ServiceDefinition {
  Download: MethodDefinition<_drover_v1_DownloadRequest, _drover_v1_DownloadChunk, _drover_v1_DownloadRequest__Output, _drover_v1_DownloadChunk__Output>
  FindMissing: MethodDefinition<_drover_v1_FindMissingRequest, _drover_v1_FindMissingResponse, _drover_v1_FindMissingRequest__Output, _drover_v1_FindMissingResponse__Output>
  Upload: MethodDefinition<_drover_v1_UploadChunk, _drover_v1_UploadResponse, _drover_v1_UploadChunk__Output, _drover_v1_UploadResponse__Output>
}
