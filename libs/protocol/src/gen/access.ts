import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { AccessClient as _drover_v1_AccessClient, AccessDefinition as _drover_v1_AccessDefinition } from './drover/v1/Access';
import type { AccessBotGroup as _drover_v1_AccessBotGroup, AccessBotGroup__Output as _drover_v1_AccessBotGroup__Output } from './drover/v1/AccessBotGroup';
import type { AccessPrincipal as _drover_v1_AccessPrincipal, AccessPrincipal__Output as _drover_v1_AccessPrincipal__Output } from './drover/v1/AccessPrincipal';
import type { AccessToken as _drover_v1_AccessToken, AccessToken__Output as _drover_v1_AccessToken__Output } from './drover/v1/AccessToken';
import type { AuditEntry as _drover_v1_AuditEntry, AuditEntry__Output as _drover_v1_AuditEntry__Output } from './drover/v1/AuditEntry';
import type { CreateTokenRequest as _drover_v1_CreateTokenRequest, CreateTokenRequest__Output as _drover_v1_CreateTokenRequest__Output } from './drover/v1/CreateTokenRequest';
import type { CreateTokenResponse as _drover_v1_CreateTokenResponse, CreateTokenResponse__Output as _drover_v1_CreateTokenResponse__Output } from './drover/v1/CreateTokenResponse';
import type { DeleteAccessRequest as _drover_v1_DeleteAccessRequest, DeleteAccessRequest__Output as _drover_v1_DeleteAccessRequest__Output } from './drover/v1/DeleteAccessRequest';
import type { DeleteAccessResponse as _drover_v1_DeleteAccessResponse, DeleteAccessResponse__Output as _drover_v1_DeleteAccessResponse__Output } from './drover/v1/DeleteAccessResponse';
import type { DimensionValues as _drover_v1_DimensionValues, DimensionValues__Output as _drover_v1_DimensionValues__Output } from './drover/v1/DimensionValues';
import type { ListAuditRequest as _drover_v1_ListAuditRequest, ListAuditRequest__Output as _drover_v1_ListAuditRequest__Output } from './drover/v1/ListAuditRequest';
import type { ListAuditResponse as _drover_v1_ListAuditResponse, ListAuditResponse__Output as _drover_v1_ListAuditResponse__Output } from './drover/v1/ListAuditResponse';
import type { ListBotGroupsRequest as _drover_v1_ListBotGroupsRequest, ListBotGroupsRequest__Output as _drover_v1_ListBotGroupsRequest__Output } from './drover/v1/ListBotGroupsRequest';
import type { ListBotGroupsResponse as _drover_v1_ListBotGroupsResponse, ListBotGroupsResponse__Output as _drover_v1_ListBotGroupsResponse__Output } from './drover/v1/ListBotGroupsResponse';
import type { ListPrincipalsRequest as _drover_v1_ListPrincipalsRequest, ListPrincipalsRequest__Output as _drover_v1_ListPrincipalsRequest__Output } from './drover/v1/ListPrincipalsRequest';
import type { ListPrincipalsResponse as _drover_v1_ListPrincipalsResponse, ListPrincipalsResponse__Output as _drover_v1_ListPrincipalsResponse__Output } from './drover/v1/ListPrincipalsResponse';
import type { ListTokensRequest as _drover_v1_ListTokensRequest, ListTokensRequest__Output as _drover_v1_ListTokensRequest__Output } from './drover/v1/ListTokensRequest';
import type { ListTokensResponse as _drover_v1_ListTokensResponse, ListTokensResponse__Output as _drover_v1_ListTokensResponse__Output } from './drover/v1/ListTokensResponse';
import type { RevokeTokenRequest as _drover_v1_RevokeTokenRequest, RevokeTokenRequest__Output as _drover_v1_RevokeTokenRequest__Output } from './drover/v1/RevokeTokenRequest';
import type { RoleList as _drover_v1_RoleList, RoleList__Output as _drover_v1_RoleList__Output } from './drover/v1/RoleList';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from './google/protobuf/Timestamp';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  drover: {
    v1: {
      Access: SubtypeConstructor<typeof grpc.Client, _drover_v1_AccessClient> & { service: _drover_v1_AccessDefinition }
      AccessBotGroup: MessageTypeDefinition<_drover_v1_AccessBotGroup, _drover_v1_AccessBotGroup__Output>
      AccessPrincipal: MessageTypeDefinition<_drover_v1_AccessPrincipal, _drover_v1_AccessPrincipal__Output>
      AccessToken: MessageTypeDefinition<_drover_v1_AccessToken, _drover_v1_AccessToken__Output>
      AuditEntry: MessageTypeDefinition<_drover_v1_AuditEntry, _drover_v1_AuditEntry__Output>
      CreateTokenRequest: MessageTypeDefinition<_drover_v1_CreateTokenRequest, _drover_v1_CreateTokenRequest__Output>
      CreateTokenResponse: MessageTypeDefinition<_drover_v1_CreateTokenResponse, _drover_v1_CreateTokenResponse__Output>
      DeleteAccessRequest: MessageTypeDefinition<_drover_v1_DeleteAccessRequest, _drover_v1_DeleteAccessRequest__Output>
      DeleteAccessResponse: MessageTypeDefinition<_drover_v1_DeleteAccessResponse, _drover_v1_DeleteAccessResponse__Output>
      DimensionValues: MessageTypeDefinition<_drover_v1_DimensionValues, _drover_v1_DimensionValues__Output>
      ListAuditRequest: MessageTypeDefinition<_drover_v1_ListAuditRequest, _drover_v1_ListAuditRequest__Output>
      ListAuditResponse: MessageTypeDefinition<_drover_v1_ListAuditResponse, _drover_v1_ListAuditResponse__Output>
      ListBotGroupsRequest: MessageTypeDefinition<_drover_v1_ListBotGroupsRequest, _drover_v1_ListBotGroupsRequest__Output>
      ListBotGroupsResponse: MessageTypeDefinition<_drover_v1_ListBotGroupsResponse, _drover_v1_ListBotGroupsResponse__Output>
      ListPrincipalsRequest: MessageTypeDefinition<_drover_v1_ListPrincipalsRequest, _drover_v1_ListPrincipalsRequest__Output>
      ListPrincipalsResponse: MessageTypeDefinition<_drover_v1_ListPrincipalsResponse, _drover_v1_ListPrincipalsResponse__Output>
      ListTokensRequest: MessageTypeDefinition<_drover_v1_ListTokensRequest, _drover_v1_ListTokensRequest__Output>
      ListTokensResponse: MessageTypeDefinition<_drover_v1_ListTokensResponse, _drover_v1_ListTokensResponse__Output>
      RevokeTokenRequest: MessageTypeDefinition<_drover_v1_RevokeTokenRequest, _drover_v1_RevokeTokenRequest__Output>
      RoleList: MessageTypeDefinition<_drover_v1_RoleList, _drover_v1_RoleList__Output>
    }
  }
  google: {
    protobuf: {
      Timestamp: MessageTypeDefinition<_google_protobuf_Timestamp, _google_protobuf_Timestamp__Output>
    }
  }
}

