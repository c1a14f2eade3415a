// Original file: proto/drover/v1/graph.proto


export interface ListRunsRequest {
  /**
   * Only runs whose name matches this glob (`*` any characters, `?` one); empty = every run.
   */
  'name_glob'?: (string);
  /**
   * At most this many runs (1-1000; 0 = 100).
   */
  'limit'?: (number);
  /**
   * ListRunsResponse.cursor of the previous page; empty = from the newest.
   */
  'cursor'?: (string);
}

export interface ListRunsRequest__Output {
  /**
   * Only runs whose name matches this glob (`*` any characters, `?` one); empty = every run.
   */
  'name_glob': (string);
  /**
   * At most this many runs (1-1000; 0 = 100).
   */
  'limit': (number);
  /**
   * ListRunsResponse.cursor of the previous page; empty = from the newest.
   */
  'cursor': (string);
}
