// Task page: result fields, the request, and the output: the last MiB at first (earlier output
// on demand), then growing live until the task is final and every byte arrived. The task is a
// TaskResult, its request a TaskRequest and output chunks TaskOutput messages, in canonical JSON
// (docs/json.md).

import { AnsiTerminal, segmentClass } from './ansi.js';
import { ApiError, api, getToken, may } from './api.js';
import { formatDuration, h, outcomeBadge, replace, stateBadge, tsMs, when } from './dom.js';
import { taskDuration, taskPools } from './tasks.js';

const TAIL_BYTES = 1024 * 1024;
const GRAPH_TAG = 'drover-graph-execution:';

/** @param {string} b64 */
function bytesOf(b64) {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * A line of output as elements: a span per styled segment (classes of ansi.js), `\n` at the end
 * of a finished line.
 * @param {import('./ansi.js').Segment[]} segs @param {boolean} finished
 */
function lineEl(segs, finished) {
  const line = h('span', { class: 'line' });
  fillLine(line, segs, finished);
  return line;
}

/** @param {HTMLElement} line @param {import('./ansi.js').Segment[]} segs @param {boolean} finished */
function fillLine(line, segs, finished) {
  line.replaceChildren(
    ...segs.map((seg) => {
      const cls = segmentClass(seg);
      return cls === '' ? document.createTextNode(seg.text) : h('span', { class: cls }, seg.text);
    }),
  );
  if (finished) line.append('\n');
}

/**
 * Marks every case-insensitive match of `query` in the text of `root` (matches inside one styled
 * run; a match across two colours is not found); returns the marks in document order.
 * @param {HTMLElement} root @param {string} query
 */
function markMatches(root, query) {
  for (const mark of [...root.querySelectorAll('mark')]) mark.replaceWith(mark.textContent ?? '');
  root.normalize();
  /** @type {HTMLElement[]} */
  const marks = [];
  if (query === '') return marks;
  const needle = query.toLowerCase();
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  /** @type {Text[]} */
  const texts = [];
  for (let n = walker.nextNode(); n !== null; n = walker.nextNode())
    texts.push(/** @type {Text} */ (n));
  for (let node of texts) {
    let at = node.data.toLowerCase().indexOf(needle);
    while (at !== -1) {
      const hit = node.splitText(at);
      node = hit.splitText(needle.length);
      const mark = h('mark', {}, hit.data);
      hit.replaceWith(mark);
      marks.push(mark);
      at = node.data.toLowerCase().indexOf(needle);
    }
  }
  return marks;
}

/**
 * The timeline of a TaskResult at `nowMs`: created, how long it waited, when it started, how long
 * it ran (live while it runs; for a task that ended without the bot reporting, such as BOT_DIED
 * or KILLED, from its start to the end recorded, not the bot's duration), when it ended.
 * @param {any} t @param {number} nowMs @returns {Array<[string, string]>}
 */
export function taskTimeline(t, nowMs) {
  const created = tsMs(t.created_ts);
  const started = tsMs(t.started_ts);
  const ended = tsMs(t.completed_ts) ?? tsMs(t.abandoned_ts);
  const final = t.state !== 'PENDING' && t.state !== 'RUNNING';
  const endMs = ended ?? (final ? tsMs(t.modified_ts) : null);
  /** @type {Array<[string, string]>} */
  const rows = [['created', when(created)]];
  if (created !== null) {
    const waitedTo = started ?? endMs ?? (t.state === 'PENDING' ? nowMs : null);
    if (waitedTo !== null)
      rows.push(['pending for', formatDuration(Math.max(0, waitedTo - created))]);
  }
  if (started !== null) {
    rows.push(['started', when(started)]);
    let ran = null;
    if (t.state === 'RUNNING') ran = nowMs - started;
    else if (Number(t.duration) > 0 && t.state !== 'BOT_DIED' && t.state !== 'KILLED')
      ran = Number(t.duration) * 1000;
    else if (endMs !== null) ran = endMs - started;
    if (ran !== null) rows.push(['ran for', formatDuration(Math.max(0, ran))]);
  }
  if (final && endMs !== null) rows.push(['ended', when(endMs)]);
  return rows;
}

/** A word as a POSIX shell reads it: bare when safe, else single-quoted. @param {string} w */
function shellQuote(w) {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(w)) return w;
  return `'${w.replaceAll("'", `'\\''`)}'`;
}

/** Seconds as a duration, or null when unset. @param {unknown} secs */
function secsText(secs) {
  return secs === undefined || secs === null ? null : formatDuration(Number(secs) * 1000);
}

/**
 * A TaskRequest (canonical JSON) as people read it: a list of fields per slice, then the
 * request's own; the raw JSON in a nested <details>.
 * @param {any} req
 */
function requestView(req) {
  /** @param {[string, Node | string | null][]} rows */
  const dl = (rows) =>
    h(
      'dl',
      { class: 'fields' },
      ...rows
        .filter(([, v]) => v !== null && v !== '')
        .flatMap(([k, v]) => [h('dt', {}, k), h('dd', { dataset: { field: k } }, v)]),
    );
  /** @param {string[]} lines */
  const lines = (lines) =>
    lines.length === 0 ? null : h('div', {}, ...lines.map((l) => h('div', {}, l)));
  const created = tsMs(req.created_ts);
  let expiresAfter = 0;
  const slices = (req.task_slices ?? []).map(
    (/** @type {any} */ slice, /** @type {number} */ i) => {
      const p = slice.properties ?? {};
      const exp = slice.expiration_secs;
      expiresAfter += Number(exp ?? 0);
      const timeouts = [
        ['execution', secsText(p.execution_timeout_secs)],
        ['io', secsText(p.io_timeout_secs)],
        ['grace', secsText(p.grace_period_secs)],
      ]
        .filter(([, v]) => v !== null)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
      const limits = [
        p.memory_limit_bytes !== undefined ? `memory ${p.memory_limit_bytes} bytes` : null,
        p.pids_limit !== undefined ? `pids ${p.pids_limit}` : null,
        p.cpu_weight !== undefined ? `cpu weight ${p.cpu_weight}` : null,
      ]
        .filter((v) => v !== null)
        .join(', ');
      const root = p.cas_input_root;
      return h(
        'div',
        { class: 'request-slice', dataset: { slice: i } },
        h('h4', {}, `Slice ${i}`),
        dl([
          [
            'command',
            h('code', { class: 'request-command' }, (p.command ?? []).map(shellQuote).join(' ')),
          ],
          ['env', lines((p.env ?? []).map((/** @type {any} */ e) => `${e.key}=${e.value ?? ''}`))],
          [
            'env prefixes',
            lines(
              (p.env_prefixes ?? []).map(
                (/** @type {any} */ e) => `${e.key}=${(e.value ?? []).join(':')}`,
              ),
            ),
          ],
          ['relative cwd', p.relative_cwd ?? null],
          [
            'dimensions',
            lines((p.dimensions ?? []).map((/** @type {any} */ d) => `${d.key}=${d.value ?? ''}`)),
          ],
          ['timeouts', timeouts],
          ['expiration', secsText(exp)],
          [
            'deadline',
            created !== null && exp !== undefined ? when(created + expiresAfter * 1000) : null,
          ],
          [
            'caches',
            lines((p.caches ?? []).map((/** @type {any} */ c) => `${c.name} → ${c.path ?? ''}`)),
          ],
          ['inputs', root?.hash ? `${root.hash}/${root.size_bytes ?? '0'}` : null],
          ['limits', limits],
        ]),
      );
    },
  );
  return [
    ...slices,
    dl([
      ['tags', lines(req.tags ?? [])],
      ['priority', req.priority !== undefined ? String(req.priority) : null],
      ['user', req.user ?? null],
      ['parent', req.parent_task_id ?? null],
      ['secret bytes', req.has_secret_bytes ? 'yes' : null],
    ]),
    h(
      'details',
      {},
      h('summary', {}, 'JSON'),
      h('pre', { id: 'request-json', class: 'dims' }, JSON.stringify(req, null, 2)),
    ),
  ];
}

/** @param {import('./app.js').PageContext} ctx */
export function taskPage({ root, live, me, show, tell, params }) {
  const taskId = params[0] ?? '';
  const title = h('h2', {}, 'Task ', taskId);
  const actions = h('div', { class: 'actions' });
  const timeline = h('div', { class: 'timeline', id: 'timeline' });
  const whyWait = h('div', { id: 'why-wait' });
  const files = h('div', { id: 'output-files' });
  const family = h('div', { id: 'family' });
  const fields = h('dl', { class: 'fields', id: 'result' });
  const request = h('div', { id: 'request' });
  const output = h('pre', { class: 'output', id: 'output' });
  const outputState = h('p', { class: 'muted', id: 'output-state' }, 'loading…');
  const earlier = h('div', {});
  const logPath = `/api/tasks/${encodeURIComponent(taskId)}/log`;
  const search = h('input', {
    type: 'search',
    id: 'log-search',
    placeholder: 'search the log',
    oninput: () => runSearch(),
    onkeydown: (/** @type {KeyboardEvent} */ e) => {
      if (e.key === 'Enter') nextHit();
    },
  });
  const hitsLabel = h('span', { class: 'muted', id: 'log-hits' });
  const logTools = h(
    'div',
    { class: 'log-tools' },
    search,
    h('button', { type: 'button', id: 'log-next', onclick: () => nextHit() }, 'Next'),
    hitsLabel,
    h(
      'a',
      {
        href: logPath,
        id: 'log-download',
        download: `${taskId}.log`,
        onclick: (/** @type {Event} */ e) => download(e),
      },
      'Download full log',
    ),
  );
  root.append(
    title,
    actions,
    timeline,
    whyWait,
    family,
    fields,
    h('h3', {}, 'Output'),
    logTools,
    earlier,
    output,
    outputState,
    files,
    h('details', {}, h('summary', {}, 'Request'), request),
  );

  /** @type {any} the TaskResult shown */
  let shown;
  /** A kill this page asked for while the task runs: the result does not tell (until KILLED). */
  let killAsked = false;
  let start = 0;
  let next = 0;
  let decoder = new TextDecoder();
  let done = false;

  /** The terminal the live output is written to; its unfinished line is `currentLine`. */
  let term = new AnsiTerminal();
  const currentLine = h('span', { class: 'line' });
  output.append(currentLine);

  /** @param {string} text */
  function addText(text) {
    if (text === '') return;
    const stick = output.scrollTop + output.clientHeight >= output.scrollHeight - 4;
    const lines = term.write(text);
    if (lines.length > 0) currentLine.before(...lines.map((segs) => lineEl(segs, true)));
    fillLine(currentLine, term.current(), false);
    if (stick) output.scrollTop = output.scrollHeight;
  }

  /** Earlier output, rendered on its own (a colour set before it is not known). @param {string} text */
  function addEarlier(text) {
    const t = new AnsiTerminal();
    const lines = t.write(text).map((segs) => lineEl(segs, true));
    const last = t.current();
    if (last.length > 0) lines.push(lineEl(last, false));
    output.prepend(...lines);
  }

  /** @type {HTMLElement[]} */
  let hits = [];
  let hitAt = -1;

  function runSearch() {
    hits = markMatches(output, /** @type {HTMLInputElement} */ (search).value);
    hitAt = -1;
    if (hits.length > 0) nextHit();
    else hitsLabel.textContent = search.value === '' ? '' : 'no match';
  }

  function nextHit() {
    if (hits.length === 0) return;
    hits[hitAt]?.classList.remove('current');
    hitAt = (hitAt + 1) % hits.length;
    const hit = /** @type {HTMLElement} */ (hits[hitAt]);
    hit.classList.add('current');
    hit.scrollIntoView({ block: 'center' });
    hitsLabel.textContent = `${hitAt + 1} of ${hits.length}`;
  }

  /** The task's output files (TaskResult.outputs) with size, digest and a download link. @param {any} t */
  function renderFiles(t) {
    const list = Array.isArray(t.outputs) ? t.outputs : [];
    if (list.length === 0) {
      files.replaceChildren();
      return;
    }
    replace(
      files,
      h('h3', {}, 'Output files'),
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h('tr', {}, h('th', {}, 'Path'), h('th', {}, 'Size'), h('th', {}, 'SHA-256')),
        ),
        h(
          'tbody',
          {},
          ...list.map((/** @type {any} */ f) => {
            const href = `/api/tasks/${encodeURIComponent(taskId)}/outputs?path=${encodeURIComponent(f.path)}`;
            const name = String(f.path).split('/').pop() ?? 'output';
            return h(
              'tr',
              { 'data-path': f.path },
              h(
                'td',
                {},
                h(
                  'a',
                  {
                    href,
                    download: name,
                    onclick: (/** @type {Event} */ e) => download(e, href, name),
                  },
                  f.path,
                ),
              ),
              h('td', {}, `${f.size} bytes`),
              h('td', { class: 'dims' }, f.digest),
            );
          }),
        ),
      ),
      t.outputs_truncated
        ? h('p', { class: 'muted' }, 'Not every file is listed (see the summary).')
        : '',
    );
  }

  /**
   * A download link with the token (a plain link cannot send it): fetched, then saved.
   * @param {Event} e @param {string} [path] @param {string} [name]
   */
  async function download(e, path = logPath, name = `${taskId}.log`) {
    e.preventDefault();
    try {
      const res = await fetch(path, { headers: { authorization: `Bearer ${getToken()}` } });
      if (!res.ok) throw new Error(`download failed: ${res.status} ${res.statusText}`);
      const url = URL.createObjectURL(await res.blob());
      const a = h('a', { href: url, download: name });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (err) {
      tell(String(/** @type {any} */ (err).message ?? err));
    }
  }

  /** @param {any} t a TaskResult */
  function render(t) {
    shown = t;
    const killing = killAsked && t.state === 'RUNNING';
    const outcome = outcomeBadge(t);
    outcome.id = 'outcome';
    // One badge says both: the state (data-state) as the user reads it (succeeded, failed…).
    replace(title, t.name || t.task_id, ' ', outcome);
    renderTimeline();
    renderFiles(t);
    if (t.state === 'PENDING') void loadWait();
    else whyWait.replaceChildren();
    const rowsOf = [
      ['Task id', t.task_id],
      ['State', t.state + (killing ? ' (kill requested)' : '')],
      ['Summary', t.summary],
      ['Pool', taskPools(t).join('|')],
      ['Bot', t.bot_id ? h('a', { href: `#/bots/${encodeURIComponent(t.bot_id)}` }, t.bot_id) : ''],
      ['Exit code', t.exit_code ?? ''],
      ['Failure', t.failure ? (t.internal_failure ? 'internal failure' : 'yes') : 'no'],
      ['User', t.user],
      ['Cancelled by', t.canceled_by ?? ''],
      ['Priority', t.priority],
      ['Created', when(tsMs(t.created_ts))],
      ['Started', when(tsMs(t.started_ts))],
      ['Completed', when(tsMs(t.completed_ts))],
      ['Process duration', taskDuration(t)],
      ['Output size', `${t.output_size} bytes`],
      ['Deduplicated from', t.deduped_from],
      ['Tags', t.tags.join(' ')],
    ];
    replace(
      fields,
      ...rowsOf.flatMap(([k, v]) => [
        h('dt', {}, k),
        h('dd', {}, v instanceof Node ? v : String(v)),
      ]),
    );
    const graphTag = t.tags.find((/** @type {string} */ tag) => tag.startsWith(GRAPH_TAG));
    if (graphTag !== undefined) {
      const [quest, attempt] = graphTag.slice(GRAPH_TAG.length).split('/');
      fields.append(
        h('dt', {}, 'Graph'),
        h(
          'dd',
          {},
          h(
            'a',
            { href: `#/graph/${encodeURIComponent(quest ?? '')}/${attempt ?? '1'}` },
            'attempt graph',
          ),
        ),
      );
    }
    actions.replaceChildren();
    const mayCancel = may(me, 'cancel', taskPools(t));
    if (mayCancel && t.state === 'PENDING') {
      actions.append(
        h('button', { type: 'button', id: 'cancel', onclick: () => cancel(false) }, 'Cancel'),
      );
    }
    if (t.state !== 'PENDING' && t.state !== 'RUNNING' && may(me, 'submit', taskPools(t))) {
      actions.append(h('button', { type: 'button', id: 'retry', onclick: () => retry() }, 'Retry'));
    }
    if (mayCancel && t.state === 'RUNNING' && !killing) {
      actions.append(
        h(
          'button',
          { type: 'button', id: 'kill', class: 'danger', onclick: () => cancel(true) },
          'Kill',
        ),
      );
    }
  }

  function renderTimeline() {
    if (shown === undefined) return;
    replace(
      timeline,
      ...taskTimeline(shown, Date.now()).map(([k, v]) =>
        h('div', { 'data-k': k }, h('span', {}, `${k} `), v),
      ),
    );
  }
  /** While the task waits or runs, its timeline counts (and why it waits is asked again). */
  let ticks = 0;
  const ticker = setInterval(() => {
    if (shown?.state === 'PENDING' || shown?.state === 'RUNNING') renderTimeline();
    if (shown?.state === 'PENDING' && ++ticks % 5 === 0) void loadWait();
  }, 1000);

  let waitLoading = false;
  /** Why a PENDING task waits: its slices' matching bots by state, its place in the queue. */
  async function loadWait() {
    if (waitLoading) return;
    waitLoading = true;
    try {
      const why = await api(`/api/tasks/${encodeURIComponent(taskId)}/wait`);
      if (shown?.state !== 'PENDING') return;
      const states = ['idle', 'busy', 'quarantined', 'maintenance', 'disconnected', 'dead'];
      replace(
        whyWait,
        h('h3', {}, 'Why it waits'),
        h(
          'p',
          { id: 'queue-position' },
          why.position > 0
            ? `Position ${why.position} of ${why.queued} waiting in its pool (by priority, then age).`
            : 'Not in the dispatch queue.',
        ),
        h(
          'table',
          { class: 'why-wait' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', {}, 'Slice'),
              h('th', {}, 'Dimensions'),
              h('th', {}, 'Deadline'),
              h('th', {}, 'Matching bots'),
              ...states.map((st) => h('th', {}, st)),
            ),
          ),
          h(
            'tbody',
            {},
            ...why.slices.map((/** @type {any} */ sl) =>
              h(
                'tr',
                { 'data-slice': sl.index, class: sl.current ? 'current' : '' },
                h('td', {}, `${sl.index}${sl.current ? ' (current)' : ''}`),
                h('td', {}, sl.dimensions.join(' ')),
                h('td', {}, when(tsMs(sl.deadline_ts))),
                h('td', { 'data-count': 'total' }, String(sl.bots.total)),
                ...states.map((st) => h('td', { 'data-count': st }, String(sl.bots[st]))),
              ),
            ),
          ),
        ),
        h(
          'p',
          { class: 'muted' },
          why.slices.some((/** @type {any} */ sl) => sl.current && sl.bots.idle > 0)
            ? 'An idle bot matches: the task should be dispatched shortly.'
            : 'No idle bot matches the current slice: the task waits for one to become free, or for its next slice.',
        ),
      );
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401))
        show(String(/** @type {any} */ (err).message ?? err));
    } finally {
      waitLoading = false;
    }
  }

  async function retry() {
    try {
      const res = await api(`/api/tasks/${encodeURIComponent(taskId)}/retry`, { method: 'POST' });
      location.hash = `#/task/${encodeURIComponent(res.task_id)}`;
    } catch (err) {
      tell(String(/** @type {any} */ (err).message ?? err));
    }
  }

  /** The parent (its tag) and the children (ListTasks by the parent tag), as links. */
  async function loadFamily() {
    const parentTag = (shown?.tags ?? []).find((/** @type {string} */ t) =>
      t.startsWith('parent_task_id:'),
    );
    const parent = parentTag === undefined ? '' : parentTag.slice('parent_task_id:'.length);
    let children = [];
    try {
      const page = await api(
        `/api/tasks?tag=${encodeURIComponent(`parent_task_id:${taskId}`)}&limit=100`,
      );
      children = page.items ?? [];
    } catch {
      // not shown: the rest of the page stands
    }
    if (parent === '' && children.length === 0) return;
    replace(
      family,
      parent === ''
        ? ''
        : h(
            'p',
            {},
            'Parent: ',
            h('a', { href: `#/task/${encodeURIComponent(parent)}`, id: 'parent' }, parent),
          ),
      children.length === 0
        ? ''
        : h(
            'p',
            { id: 'children' },
            'Children: ',
            ...children.flatMap((/** @type {any} */ c) => [
              h('a', { href: `#/task/${encodeURIComponent(c.task_id)}` }, c.name || c.task_id),
              ' ',
              stateBadge(c.state),
              ' ',
            ]),
          ),
    );
  }

  /** @param {boolean} kill */
  async function cancel(kill) {
    try {
      const res = await api(`/api/tasks/${encodeURIComponent(taskId)}/cancel`, {
        method: 'POST',
        body: { kill_running: kill },
      });
      if (!res.canceled) tell(`Not cancelled: the task is ${res.state}.`);
      else if (res.was_running && res.state === 'RUNNING') {
        killAsked = true;
        if (shown !== undefined) render(shown);
      }
    } catch (err) {
      tell(String(/** @type {any} */ (err).message ?? err));
    }
  }

  async function loadEarlier() {
    const from = Math.max(0, start - TAIL_BYTES);
    try {
      const chunk = await api(
        `/api/tasks/${encodeURIComponent(taskId)}/output?offset=${from}&length=${start - from}`,
      );
      addEarlier(new TextDecoder().decode(bytesOf(chunk.output)));
      start = from;
      renderEarlier();
    } catch (err) {
      show(String(/** @type {any} */ (err).message ?? err));
    }
  }

  function renderEarlier() {
    replace(
      earlier,
      start > 0
        ? h(
            'button',
            { type: 'button', onclick: () => void loadEarlier() },
            `Load earlier output (${start} bytes before)`,
          )
        : '',
    );
  }

  const offs = [
    live.on('task', (msg) => {
      if (msg.result.task_id === taskId) render(msg.result);
    }),
    live.on('output', (msg) => {
      if (msg.task_id !== taskId) return;
      const offset = Number(msg.output.offset);
      let bytes = bytesOf(msg.output.output);
      if (offset > next) return; // a gap cannot happen: the server sends in order
      if (offset < next) bytes = bytes.subarray(next - offset);
      next += bytes.length;
      addText(decoder.decode(bytes, { stream: true }));
      outputState.textContent = `${next} of ${msg.output.size} bytes, live`;
    }),
    live.on('output-end', (msg) => {
      if (msg.task_id !== taskId) return;
      addText(decoder.decode());
      done = true;
      outputState.textContent = `complete: ${msg.output.size} bytes`;
    }),
    live.on('follow-error', (msg) => {
      if (msg.task_id === taskId) show(msg.message);
    }),
  ];

  (async () => {
    const path = `/api/tasks/${encodeURIComponent(taskId)}`;
    let result;
    let taskRequest;
    try {
      [result, taskRequest] = await Promise.all([api(path), api(`${path}/request`)]);
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401))
        show(String(/** @type {any} */ (err).message ?? err));
      return;
    }
    render(result);
    void loadFamily();
    replace(request, ...requestView(taskRequest));
    start = Math.max(0, Number(result.output_size) - TAIL_BYTES);
    next = start;
    decoder = new TextDecoder();
    term = new AnsiTerminal();
    renderEarlier();
    outputState.textContent = done ? outputState.textContent : 'waiting for output…';
    live.follow(taskId, () => next);
  })();

  return () => {
    clearInterval(ticker);
    for (const off of offs) off();
    live.unfollow(taskId);
  };
}
