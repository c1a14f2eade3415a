import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { CacheEntry as _drover_v1_CacheEntry, CacheEntry__Output as _drover_v1_CacheEntry__Output } from './drover/v1/CacheEntry';
import type { CasClient as _drover_v1_CasClient, CasDefinition as _drover_v1_CasDefinition } from './drover/v1/Cas';
import type { Digest as _drover_v1_Digest, Digest__Output as _drover_v1_Digest__Output } from './drover/v1/Digest';
import type { DownloadChunk as _drover_v1_DownloadChunk, DownloadChunk__Output as _drover_v1_DownloadChunk__Output } from './drover/v1/DownloadChunk';
import type { DownloadRequest as _drover_v1_DownloadRequest, DownloadRequest__Output as _drover_v1_DownloadRequest__Output } from './drover/v1/DownloadRequest';
import type { FindMissingRequest as _drover_v1_FindMissingRequest, FindMissingRequest__Output as _drover_v1_FindMissingRequest__Output } from './drover/v1/FindMissingRequest';
import type { FindMissingResponse as _drover_v1_FindMissingResponse, FindMissingResponse__Output as _drover_v1_FindMissingResponse__Output } from './drover/v1/FindMissingResponse';
import type { OutputFile as _drover_v1_OutputFile, OutputFile__Output as _drover_v1_OutputFile__Output } from './drover/v1/OutputFile';
import type { StringListPair as _drover_v1_StringListPair, StringListPair__Output as _drover_v1_StringListPair__Output } from './drover/v1/StringListPair';
import type { StringPair as _drover_v1_StringPair, StringPair__Output as _drover_v1_StringPair__Output } from './drover/v1/StringPair';
import type { UploadChunk as _drover_v1_UploadChunk, UploadChunk__Output as _drover_v1_UploadChunk__Output } from './drover/v1/UploadChunk';
import type { UploadResponse as _drover_v1_UploadResponse, UploadResponse__Output as _drover_v1_UploadResponse__Output } from './drover/v1/UploadResponse';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  drover: {
    v1: {
      CacheEntry: MessageTypeDefinition<_drover_v1_CacheEntry, _drover_v1_CacheEntry__Output>
      Cas: SubtypeConstructor<typeof grpc.Client, _drover_v1_CasClient> & { service: _drover_v1_CasDefinition }
      Digest: MessageTypeDefinition<_drover_v1_Digest, _drover_v1_Digest__Output>
      DownloadChunk: MessageTypeDefinition<_drover_v1_DownloadChunk, _drover_v1_DownloadChunk__Output>
      DownloadRequest: MessageTypeDefinition<_drover_v1_DownloadRequest, _drover_v1_DownloadRequest__Output>
      FindMissingRequest: MessageTypeDefinition<_drover_v1_FindMissingRequest, _drover_v1_FindMissingRequest__Output>
      FindMissingResponse: MessageTypeDefinition<_drover_v1_FindMissingResponse, _drover_v1_FindMissingResponse__Output>
      NullableBool: EnumTypeDefinition
      OutputFile: MessageTypeDefinition<_drover_v1_OutputFile, _drover_v1_OutputFile__Output>
      StateQuery: EnumTypeDefinition
      StringListPair: MessageTypeDefinition<_drover_v1_StringListPair, _drover_v1_StringListPair__Output>
      StringPair: MessageTypeDefinition<_drover_v1_StringPair, _drover_v1_StringPair__Output>
      TaskState: EnumTypeDefinition
      UploadChunk: MessageTypeDefinition<_drover_v1_UploadChunk, _drover_v1_UploadChunk__Output>
      UploadResponse: MessageTypeDefinition<_drover_v1_UploadResponse, _drover_v1_UploadResponse__Output>
    }
  }
}

