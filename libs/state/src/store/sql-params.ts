// Query parameters as both adapters write them: the SQL text says where each value goes with the
// dialect's placeholder (SQLite `?` in order, PostgreSQL `$n`).

/** The placeholder of the n-th parameter (from 1). */
export type Placeholder = (n: number) => string;

/** `add(v)` keeps the value and returns its placeholder; every value is added where it is used. */
export class SqlParams {
  readonly values: unknown[] = [];
  readonly #placeholder: Placeholder;

  constructor(placeholder: Placeholder) {
    this.#placeholder = placeholder;
  }

  add(value: unknown): string {
    this.values.push(value);
    return this.#placeholder(this.values.length);
  }

  /** A placeholder per value, comma-separated. */
  list(values: readonly unknown[]): string {
    return values.map((v) => this.add(v)).join(', ');
  }
}

/** The conditions AND-ed as a WHERE clause; '' for none. */
export function whereSql(where: readonly string[]): string {
  return where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
}
