import type Database from 'better-sqlite3';

/**
 * Prepared statements by SQL text: a statement is compiled once, then reused (preparing costs
 * more than running a simple query). The SQL of dynamic queries (filters, IN lists) takes a
 * bounded number of shapes; past `max` texts the cache starts over rather than grow.
 */
export class StatementCache {
  readonly #db: Database.Database;
  readonly #max: number;
  readonly #bySql = new Map<string, Database.Statement<unknown[], unknown>>();

  constructor(db: Database.Database, max = 512) {
    this.#db = db;
    this.#max = max;
  }

  get<P extends unknown[] = unknown[], R = unknown>(sql: string): Database.Statement<P, R> {
    let stmt = this.#bySql.get(sql);
    if (stmt === undefined) {
      if (this.#bySql.size >= this.#max) this.#bySql.clear();
      stmt = this.#db.prepare<unknown[], unknown>(sql);
      this.#bySql.set(sql, stmt);
    }
    return stmt as unknown as Database.Statement<P, R>;
  }
}
