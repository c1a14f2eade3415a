// Original file: proto/drover/v1/graph.proto


export interface ActivateExecutionResponse {
}

export interface ActivateExecutionResponse__Output {
}
