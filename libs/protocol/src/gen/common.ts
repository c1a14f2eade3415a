import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { CacheEntry as _drover_v1_CacheEntry, CacheEntry__Output as _drover_v1_CacheEntry__Output } from './drover/v1/CacheEntry';
import type { Digest as _drover_v1_Digest, Digest__Output as _drover_v1_Digest__Output } from './drover/v1/Digest';
import type { OutputFile as _drover_v1_OutputFile, OutputFile__Output as _drover_v1_OutputFile__Output } from './drover/v1/OutputFile';
import type { StringListPair as _drover_v1_StringListPair, StringListPair__Output as _drover_v1_StringListPair__Output } from './drover/v1/StringListPair';
import type { StringPair as _drover_v1_StringPair, StringPair__Output as _drover_v1_StringPair__Output } from './drover/v1/StringPair';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  drover: {
    v1: {
      CacheEntry: MessageTypeDefinition<_drover_v1_CacheEntry, _drover_v1_CacheEntry__Output>
      Digest: MessageTypeDefinition<_drover_v1_Digest, _drover_v1_Digest__Output>
      NullableBool: EnumTypeDefinition
      OutputFile: MessageTypeDefinition<_drover_v1_OutputFile, _drover_v1_OutputFile__Output>
      StateQuery: EnumTypeDefinition
      StringListPair: MessageTypeDefinition<_drover_v1_StringListPair, _drover_v1_StringListPair__Output>
      StringPair: MessageTypeDefinition<_drover_v1_StringPair, _drover_v1_StringPair__Output>
      TaskState: EnumTypeDefinition
    }
  }
}

