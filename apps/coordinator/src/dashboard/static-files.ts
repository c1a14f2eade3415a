import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const STATIC_DIR = fileURLToPath(new URL('./static/', import.meta.url));

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Only same-origin scripts, styles and connections: data shown can never run. */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
} as const;

interface StaticFile {
  readonly body: Buffer;
  readonly contentType: string;
  readonly etag: string;
}

/**
 * The dashboard's page and browser modules, read once (they are small): `/` is index.html,
 * `/static/<file>` the others. Revalidated on each load (`no-cache` + ETag), so a new coordinator
 * version is picked up at once without a build step or hashed names.
 */
export class StaticFiles {
  readonly #files = new Map<string, StaticFile>();

  constructor(dir: string = STATIC_DIR) {
    for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const path = join(entry.parentPath, entry.name);
      const contentType = CONTENT_TYPES[extname(path)];
      if (contentType === undefined) continue;
      const body = readFileSync(path);
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
      const url = `/static/${relative(dir, path).split(sep).join('/')}`;
      this.#files.set(url === '/static/index.html' ? '/' : url, { body, contentType, etag });
    }
  }

  /** Serves `path` if it is one of the files; returns whether it did. */
  serve(req: IncomingMessage, res: ServerResponse, path: string): boolean {
    const file = this.#files.get(path);
    if (file === undefined) return false;
    const headers = {
      'content-type': file.contentType,
      'cache-control': 'no-cache',
      etag: file.etag,
      ...SECURITY_HEADERS,
    };
    if (req.headers['if-none-match'] === file.etag) {
      res.writeHead(304, headers);
      res.end();
      return true;
    }
    res.writeHead(200, { ...headers, 'content-length': file.body.length });
    res.end(req.method === 'HEAD' ? undefined : file.body);
    return true;
  }
}
