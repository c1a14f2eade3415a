import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { StringListPair as _drover_v1_StringListPair, StringListPair__Output as _drover_v1_StringListPair__Output } from './drover/v1/StringListPair';
import type { StringPair as _drover_v1_StringPair, StringPair__Output as _drover_v1_StringPair__Output } from './drover/v1/StringPair';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  drover: {
    v1: {
      NullableBool: EnumTypeDefinition
      StateQuery: EnumTypeDefinition
      StringListPair: MessageTypeDefinition<_drover_v1_StringListPair, _drover_v1_StringListPair__Output>
      StringPair: MessageTypeDefinition<_drover_v1_StringPair, _drover_v1_StringPair__Output>
      TaskState: EnumTypeDefinition
    }
  }
}

