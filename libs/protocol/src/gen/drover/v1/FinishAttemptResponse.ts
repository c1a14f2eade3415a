// Original file: proto/drover/v1/graph.proto


export interface FinishAttemptResponse {
}

export interface FinishAttemptResponse__Output {
}
