// Original file: proto/drover/v1/access.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AccessBotGroup as _drover_v1_AccessBotGroup, AccessBotGroup__Output as _drover_v1_AccessBotGroup__Output } from '../../drover/v1/AccessBotGroup';
import type { AccessPrincipal as _drover_v1_AccessPrincipal, AccessPrincipal__Output as _drover_v1_AccessPrincipal__Output } from '../../drover/v1/AccessPrincipal';
import type { AccessToken as _drover_v1_AccessToken, AccessToken__Output as _drover_v1_AccessToken__Output } from '../../drover/v1/AccessToken';
import type { CreateTokenRequest as _drover_v1_CreateTokenRequest, CreateTokenRequest__Output as _drover_v1_CreateTokenRequest__Output } from '../../drover/v1/CreateTokenRequest';
import type { CreateTokenResponse as _drover_v1_CreateTokenResponse, CreateTokenResponse__Output as _drover_v1_CreateTokenResponse__Output } from '../../drover/v1/CreateTokenResponse';
import type { DeleteAccessRequest as _drover_v1_DeleteAccessRequest, DeleteAccessRequest__Output as _drover_v1_DeleteAccessRequest__Output } from '../../drover/v1/DeleteAccessRequest';
import type { DeleteAccessResponse as _drover_v1_DeleteAccessResponse, DeleteAccessResponse__Output as _drover_v1_DeleteAccessResponse__Output } from '../../drover/v1/DeleteAccessResponse';
import type { ListAuditRequest as _drover_v1_ListAuditRequest, ListAuditRequest__Output as _drover_v1_ListAuditRequest__Output } from '../../drover/v1/ListAuditRequest';
import type { ListAuditResponse as _drover_v1_ListAuditResponse, ListAuditResponse__Output as _drover_v1_ListAuditResponse__Output } from '../../drover/v1/ListAuditResponse';
import type { ListBotGroupsRequest as _drover_v1_ListBotGroupsRequest, ListBotGroupsRequest__Output as _drover_v1_ListBotGroupsRequest__Output } from '../../drover/v1/ListBotGroupsRequest';
import type { ListBotGroupsResponse as _drover_v1_ListBotGroupsResponse, ListBotGroupsResponse__Output as _drover_v1_ListBotGroupsResponse__Output } from '../../drover/v1/ListBotGroupsResponse';
import type { ListPrincipalsRequest as _drover_v1_ListPrincipalsRequest, ListPrincipalsRequest__Output as _drover_v1_ListPrincipalsRequest__Output } from '../../drover/v1/ListPrincipalsRequest';
import type { ListPrincipalsResponse as _drover_v1_ListPrincipalsResponse, ListPrincipalsResponse__Output as _drover_v1_ListPrincipalsResponse__Output } from '../../drover/v1/ListPrincipalsResponse';
import type { ListTokensRequest as _drover_v1_ListTokensRequest, ListTokensRequest__Output as _drover_v1_ListTokensRequest__Output } from '../../drover/v1/ListTokensRequest';
import type { ListTokensResponse as _drover_v1_ListTokensResponse, ListTokensResponse__Output as _drover_v1_ListTokensResponse__Output } from '../../drover/v1/ListTokensResponse';
import type { RevokeTokenRequest as _drover_v1_RevokeTokenRequest, RevokeTokenRequest__Output as _drover_v1_RevokeTokenRequest__Output } from '../../drover/v1/RevokeTokenRequest';

export interface AccessClient extends grpc.Client {
  /**
   * Creates a token; the response holds it in clear, the only time it is shown.
   */
  CreateToken(argument: _drover_v1_CreateTokenRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_CreateTokenResponse__Output>): grpc.ClientUnaryCall;
  CreateToken(argument: _drover_v1_CreateTokenRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_CreateTokenResponse__Output>): grpc.ClientUnaryCall;
  CreateToken(argument: _drover_v1_CreateTokenRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_CreateTokenResponse__Output>): grpc.ClientUnaryCall;
  CreateToken(argument: _drover_v1_CreateTokenRequest, callback: grpc.requestCallback<_drover_v1_CreateTokenResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Creates a token; the response holds it in clear, the only time it is shown.
   */
  createToken(argument: _drover_v1_CreateTokenRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_CreateTokenResponse__Output>): grpc.ClientUnaryCall;
  createToken(argument: _drover_v1_CreateTokenRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_CreateTokenResponse__Output>): grpc.ClientUnaryCall;
  createToken(argument: _drover_v1_CreateTokenRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_CreateTokenResponse__Output>): grpc.ClientUnaryCall;
  createToken(argument: _drover_v1_CreateTokenRequest, callback: grpc.requestCallback<_drover_v1_CreateTokenResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Deletes a bot group; its tokens stop working and its connected bots are disconnected.
   */
  DeleteBotGroup(argument: _drover_v1_DeleteAccessRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_DeleteAccessResponse__Output>): grpc.ClientUnaryCall;
  DeleteBotGroup(argument: _drover_v1_DeleteAccessRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_DeleteAccessResponse__Output>): grpc.ClientUnaryCall;
  DeleteBotGroup(argument: _drover_v1_DeleteAccessRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_DeleteAccessResponse__Output>): grpc.ClientUnaryCall;
  DeleteBotGroup(argument: _drover_v1_DeleteAccessRequest, callback: grpc.requestCallback<_drover_v1_DeleteAccessResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Deletes a bot group; its tokens stop working and its connected bots are disconnected.
   */
  deleteBotGroup(argument: _drover_v1_DeleteAccessRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_DeleteAccessResponse__Output>): grpc.ClientUnaryCall;
  deleteBotGroup(argument: _drover_v1_DeleteAccessRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_DeleteAccessResponse__Output>): grpc.ClientUnaryCall;
  deleteBotGroup(argument: _drover_v1_DeleteAccessRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_DeleteAccessResponse__Output>): grpc.ClientUnaryCall;
  deleteBotGroup(argument: _drover_v1_DeleteAccessRequest, callback: grpc.requestCallback<_drover_v1_DeleteAccessResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Deletes a principal; its tokens stop working.
   */
  DeletePrincipal(argument: _drover_v1_DeleteAccessRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_DeleteAccessResponse__Output>): grpc.ClientUnaryCall;
  DeletePrincipal(argument: _drover_v1_DeleteAccessRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_DeleteAccessResponse__Output>): grpc.ClientUnaryCall;
  DeletePrincipal(argument: _drover_v1_DeleteAccessRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_DeleteAccessResponse__Output>): grpc.ClientUnaryCall;
  DeletePrincipal(argument: _drover_v1_DeleteAccessRequest, callback: grpc.requestCallback<_drover_v1_DeleteAccessResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Deletes a principal; its tokens stop working.
   */
  deletePrincipal(argument: _drover_v1_DeleteAccessRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_DeleteAccessResponse__Output>): grpc.ClientUnaryCall;
  deletePrincipal(argument: _drover_v1_DeleteAccessRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_DeleteAccessResponse__Output>): grpc.ClientUnaryCall;
  deletePrincipal(argument: _drover_v1_DeleteAccessRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_DeleteAccessResponse__Output>): grpc.ClientUnaryCall;
  deletePrincipal(argument: _drover_v1_DeleteAccessRequest, callback: grpc.requestCallback<_drover_v1_DeleteAccessResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * The audit log, newest first.
   */
  ListAudit(argument: _drover_v1_ListAuditRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_ListAuditResponse__Output>): grpc.ClientUnaryCall;
  ListAudit(argument: _drover_v1_ListAuditRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_ListAuditResponse__Output>): grpc.ClientUnaryCall;
  ListAudit(argument: _drover_v1_ListAuditRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_ListAuditResponse__Output>): grpc.ClientUnaryCall;
  ListAudit(argument: _drover_v1_ListAuditRequest, callback: grpc.requestCallback<_drover_v1_ListAuditResponse__Output>): grpc.ClientUnaryCall;
  /**
   * The audit log, newest first.
   */
  listAudit(argument: _drover_v1_ListAuditRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_ListAuditResponse__Output>): grpc.ClientUnaryCall;
  listAudit(argument: _drover_v1_ListAuditRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_ListAuditResponse__Output>): grpc.ClientUnaryCall;
  listAudit(argument: _drover_v1_ListAuditRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_ListAuditResponse__Output>): grpc.ClientUnaryCall;
  listAudit(argument: _drover_v1_ListAuditRequest, callback: grpc.requestCallback<_drover_v1_ListAuditResponse__Output>): grpc.ClientUnaryCall;
  
  ListBotGroups(argument: _drover_v1_ListBotGroupsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_ListBotGroupsResponse__Output>): grpc.ClientUnaryCall;
  ListBotGroups(argument: _drover_v1_ListBotGroupsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_ListBotGroupsResponse__Output>): grpc.ClientUnaryCall;
  ListBotGroups(argument: _drover_v1_ListBotGroupsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_ListBotGroupsResponse__Output>): grpc.ClientUnaryCall;
  ListBotGroups(argument: _drover_v1_ListBotGroupsRequest, callback: grpc.requestCallback<_drover_v1_ListBotGroupsResponse__Output>): grpc.ClientUnaryCall;
  listBotGroups(argument: _drover_v1_ListBotGroupsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_ListBotGroupsResponse__Output>): grpc.ClientUnaryCall;
  listBotGroups(argument: _drover_v1_ListBotGroupsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_ListBotGroupsResponse__Output>): grpc.ClientUnaryCall;
  listBotGroups(argument: _drover_v1_ListBotGroupsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_ListBotGroupsResponse__Output>): grpc.ClientUnaryCall;
  listBotGroups(argument: _drover_v1_ListBotGroupsRequest, callback: grpc.requestCallback<_drover_v1_ListBotGroupsResponse__Output>): grpc.ClientUnaryCall;
  
  ListPrincipals(argument: _drover_v1_ListPrincipalsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_ListPrincipalsResponse__Output>): grpc.ClientUnaryCall;
  ListPrincipals(argument: _drover_v1_ListPrincipalsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_ListPrincipalsResponse__Output>): grpc.ClientUnaryCall;
  ListPrincipals(argument: _drover_v1_ListPrincipalsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_ListPrincipalsResponse__Output>): grpc.ClientUnaryCall;
  ListPrincipals(argument: _drover_v1_ListPrincipalsRequest, callback: grpc.requestCallback<_drover_v1_ListPrincipalsResponse__Output>): grpc.ClientUnaryCall;
  listPrincipals(argument: _drover_v1_ListPrincipalsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_ListPrincipalsResponse__Output>): grpc.ClientUnaryCall;
  listPrincipals(argument: _drover_v1_ListPrincipalsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_ListPrincipalsResponse__Output>): grpc.ClientUnaryCall;
  listPrincipals(argument: _drover_v1_ListPrincipalsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_ListPrincipalsResponse__Output>): grpc.ClientUnaryCall;
  listPrincipals(argument: _drover_v1_ListPrincipalsRequest, callback: grpc.requestCallback<_drover_v1_ListPrincipalsResponse__Output>): grpc.ClientUnaryCall;
  
  ListTokens(argument: _drover_v1_ListTokensRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_ListTokensResponse__Output>): grpc.ClientUnaryCall;
  ListTokens(argument: _drover_v1_ListTokensRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_ListTokensResponse__Output>): grpc.ClientUnaryCall;
  ListTokens(argument: _drover_v1_ListTokensRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_ListTokensResponse__Output>): grpc.ClientUnaryCall;
  ListTokens(argument: _drover_v1_ListTokensRequest, callback: grpc.requestCallback<_drover_v1_ListTokensResponse__Output>): grpc.ClientUnaryCall;
  listTokens(argument: _drover_v1_ListTokensRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_ListTokensResponse__Output>): grpc.ClientUnaryCall;
  listTokens(argument: _drover_v1_ListTokensRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_ListTokensResponse__Output>): grpc.ClientUnaryCall;
  listTokens(argument: _drover_v1_ListTokensRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_ListTokensResponse__Output>): grpc.ClientUnaryCall;
  listTokens(argument: _drover_v1_ListTokensRequest, callback: grpc.requestCallback<_drover_v1_ListTokensResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Creates or replaces a bot group (which bot ids may connect, dimensions forced on them).
   */
  PutBotGroup(argument: _drover_v1_AccessBotGroup, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_AccessBotGroup__Output>): grpc.ClientUnaryCall;
  PutBotGroup(argument: _drover_v1_AccessBotGroup, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_AccessBotGroup__Output>): grpc.ClientUnaryCall;
  PutBotGroup(argument: _drover_v1_AccessBotGroup, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_AccessBotGroup__Output>): grpc.ClientUnaryCall;
  PutBotGroup(argument: _drover_v1_AccessBotGroup, callback: grpc.requestCallback<_drover_v1_AccessBotGroup__Output>): grpc.ClientUnaryCall;
  /**
   * Creates or replaces a bot group (which bot ids may connect, dimensions forced on them).
   */
  putBotGroup(argument: _drover_v1_AccessBotGroup, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_AccessBotGroup__Output>): grpc.ClientUnaryCall;
  putBotGroup(argument: _drover_v1_AccessBotGroup, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_AccessBotGroup__Output>): grpc.ClientUnaryCall;
  putBotGroup(argument: _drover_v1_AccessBotGroup, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_AccessBotGroup__Output>): grpc.ClientUnaryCall;
  putBotGroup(argument: _drover_v1_AccessBotGroup, callback: grpc.requestCallback<_drover_v1_AccessBotGroup__Output>): grpc.ClientUnaryCall;
  
  /**
   * Creates or replaces a principal (people and services: roles per pool).
   */
  PutPrincipal(argument: _drover_v1_AccessPrincipal, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_AccessPrincipal__Output>): grpc.ClientUnaryCall;
  PutPrincipal(argument: _drover_v1_AccessPrincipal, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_AccessPrincipal__Output>): grpc.ClientUnaryCall;
  PutPrincipal(argument: _drover_v1_AccessPrincipal, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_AccessPrincipal__Output>): grpc.ClientUnaryCall;
  PutPrincipal(argument: _drover_v1_AccessPrincipal, callback: grpc.requestCallback<_drover_v1_AccessPrincipal__Output>): grpc.ClientUnaryCall;
  /**
   * Creates or replaces a principal (people and services: roles per pool).
   */
  putPrincipal(argument: _drover_v1_AccessPrincipal, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_AccessPrincipal__Output>): grpc.ClientUnaryCall;
  putPrincipal(argument: _drover_v1_AccessPrincipal, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_AccessPrincipal__Output>): grpc.ClientUnaryCall;
  putPrincipal(argument: _drover_v1_AccessPrincipal, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_AccessPrincipal__Output>): grpc.ClientUnaryCall;
  putPrincipal(argument: _drover_v1_AccessPrincipal, callback: grpc.requestCallback<_drover_v1_AccessPrincipal__Output>): grpc.ClientUnaryCall;
  
  /**
   * Revokes a token at once on every replica; bots connected with it are disconnected.
   */
  RevokeToken(argument: _drover_v1_RevokeTokenRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_AccessToken__Output>): grpc.ClientUnaryCall;
  RevokeToken(argument: _drover_v1_RevokeTokenRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_AccessToken__Output>): grpc.ClientUnaryCall;
  RevokeToken(argument: _drover_v1_RevokeTokenRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_AccessToken__Output>): grpc.ClientUnaryCall;
  RevokeToken(argument: _drover_v1_RevokeTokenRequest, callback: grpc.requestCallback<_drover_v1_AccessToken__Output>): grpc.ClientUnaryCall;
  /**
   * Revokes a token at once on every replica; bots connected with it are disconnected.
   */
  revokeToken(argument: _drover_v1_RevokeTokenRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_AccessToken__Output>): grpc.ClientUnaryCall;
  revokeToken(argument: _drover_v1_RevokeTokenRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_AccessToken__Output>): grpc.ClientUnaryCall;
  revokeToken(argument: _drover_v1_RevokeTokenRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_AccessToken__Output>): grpc.ClientUnaryCall;
  revokeToken(argument: _drover_v1_RevokeTokenRequest, callback: grpc.requestCallback<_drover_v1_AccessToken__Output>): grpc.ClientUnaryCall;
  
}

export interface AccessHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Creates a token; the response holds it in clear, the only time it is shown.
   */
  CreateToken: grpc.handleUnaryCall<_drover_v1_CreateTokenRequest__Output, _drover_v1_CreateTokenResponse>;
  
  /**
   * Deletes a bot group; its tokens stop working and its connected bots are disconnected.
   */
  DeleteBotGroup: grpc.handleUnaryCall<_drover_v1_DeleteAccessRequest__Output, _drover_v1_DeleteAccessResponse>;
  
  /**
   * Deletes a principal; its tokens stop working.
   */
  DeletePrincipal: grpc.handleUnaryCall<_drover_v1_DeleteAccessRequest__Output, _drover_v1_DeleteAccessResponse>;
  
  /**
   * The audit log, newest first.
   */
  ListAudit: grpc.handleUnaryCall<_drover_v1_ListAuditRequest__Output, _drover_v1_ListAuditResponse>;
  
  ListBotGroups: grpc.handleUnaryCall<_drover_v1_ListBotGroupsRequest__Output, _drover_v1_ListBotGroupsResponse>;
  
  ListPrincipals: grpc.handleUnaryCall<_drover_v1_ListPrincipalsRequest__Output, _drover_v1_ListPrincipalsResponse>;
  
  ListTokens: grpc.handleUnaryCall<_drover_v1_ListTokensRequest__Output, _drover_v1_ListTokensResponse>;
  
  /**
   * Creates or replaces a bot group (which bot ids may connect, dimensions forced on them).
   */
  PutBotGroup: grpc.handleUnaryCall<_drover_v1_AccessBotGroup__Output, _drover_v1_AccessBotGroup>;
  
  /**
   * Creates or replaces a principal (people and services: roles per pool).
   */
  PutPrincipal: grpc.handleUnaryCall<_drover_v1_AccessPrincipal__Output, _drover_v1_AccessPrincipal>;
  
  /**
   * Revokes a token at once on every replica; bots connected with it are disconnected.
   */
  RevokeToken: grpc.handleUnaryCall<_drover_v1_RevokeTokenRequest__Output, _drover_v1_AccessToken>;
  
}

export interface AccessDefinition extends grpc.ServiceDefinition {
  CreateToken: MethodDefinition<_drover_v1_CreateTokenRequest, _drover_v1_CreateTokenResponse, _drover_v1_CreateTokenRequest__Output, _drover_v1_CreateTokenResponse__Output>
  DeleteBotGroup: MethodDefinition<_drover_v1_DeleteAccessRequest, _drover_v1_DeleteAccessResponse, _drover_v1_DeleteAccessRequest__Output, _drover_v1_DeleteAccessResponse__Output>
  DeletePrincipal: MethodDefinition<_drover_v1_DeleteAccessRequest, _drover_v1_DeleteAccessResponse, _drover_v1_DeleteAccessRequest__Output, _drover_v1_DeleteAccessResponse__Output>
  ListAudit: MethodDefinition<_drover_v1_ListAuditRequest, _drover_v1_ListAuditResponse, _drover_v1_ListAuditRequest__Output, _drover_v1_ListAuditResponse__Output>
  ListBotGroups: MethodDefinition<_drover_v1_ListBotGroupsRequest, _drover_v1_ListBotGroupsResponse, _drover_v1_ListBotGroupsRequest__Output, _drover_v1_ListBotGroupsResponse__Output>
  ListPrincipals: MethodDefinition<_drover_v1_ListPrincipalsRequest, _drover_v1_ListPrincipalsResponse, _drover_v1_ListPrincipalsRequest__Output, _drover_v1_ListPrincipalsResponse__Output>
  ListTokens: MethodDefinition<_drover_v1_ListTokensRequest, _drover_v1_ListTokensResponse, _drover_v1_ListTokensRequest__Output, _drover_v1_ListTokensResponse__Output>
  PutBotGroup: MethodDefinition<_drover_v1_AccessBotGroup, _drover_v1_AccessBotGroup, _drover_v1_AccessBotGroup__Output, _drover_v1_AccessBotGroup__Output>
  PutPrincipal: MethodDefinition<_drover_v1_AccessPrincipal, _drover_v1_AccessPrincipal, _drover_v1_AccessPrincipal__Output, _drover_v1_AccessPrincipal__Output>
  RevokeToken: MethodDefinition<_drover_v1_RevokeTokenRequest, _drover_v1_AccessToken, _drover_v1_RevokeTokenRequest__Output, _drover_v1_AccessToken__Output>
}
