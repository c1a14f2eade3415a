// Original file: proto/drover/v1/access.proto


export interface ListBotGroupsRequest {
}

export interface ListBotGroupsRequest__Output {
}
