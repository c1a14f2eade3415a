// Original file: proto/drover/v1/access.proto


export interface ListPrincipalsRequest {
}

export interface ListPrincipalsRequest__Output {
}
