// Original file: proto/drover/v1/graph.proto


export interface GetRunRequest {
  /**
   * A run id (`run-…`), or a run name: the newest run with that name.
   */
  'run'?: (string);
}

export interface GetRunRequest__Output {
  /**
   * A run id (`run-…`), or a run name: the newest run with that name.
   */
  'run': (string);
}
