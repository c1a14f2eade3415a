// Task page: result fields, the request, and the output: the last MiB at first (earlier output
// on demand), then growing live until the task is final and every byte arrived. The task is a
// TaskResult, its request a TaskRequest and output chunks TaskOutput messages, in canonical JSON
// (docs/json.md).

import { ApiError, api, may } from './api.js';
import { h, replace, stateBadge, tsMs, when } from './dom.js';
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

/** @param {import('./app.js').PageContext} ctx */
export function taskPage({ root, live, me, show, params }) {
  const taskId = params[0] ?? '';
  const title = h('h2', {}, 'Task ', taskId);
  const actions = h('div', { class: 'actions' });
  const fields = h('dl', { class: 'fields', id: 'result' });
  const request = h('pre', { id: 'request', class: 'dims' });
  const output = h('pre', { class: 'output', id: 'output' });
  const outputState = h('p', { class: 'muted', id: 'output-state' }, 'loading…');
  const earlier = h('div', {});
  root.append(
    title,
    actions,
    fields,
    h('h3', {}, 'Output'),
    earlier,
    output,
    outputState,
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

  /** @param {string} text @param {boolean} [atStart] */
  function addText(text, atStart = false) {
    if (text === '') return;
    const stick = output.scrollTop + output.clientHeight >= output.scrollHeight - 4;
    if (atStart) output.prepend(document.createTextNode(text));
    else if (output.lastChild instanceof Text) output.lastChild.appendData(text);
    else output.append(document.createTextNode(text));
    if (stick && !atStart) output.scrollTop = output.scrollHeight;
  }

  /** @param {any} t a TaskResult */
  function render(t) {
    shown = t;
    const killing = killAsked && t.state === 'RUNNING';
    replace(title, t.name || t.task_id, ' ', stateBadge(t.state));
    const rowsOf = [
      ['Task id', t.task_id],
      ['State', t.state + (killing ? ' (kill requested)' : '')],
      ['Summary', t.summary],
      ['Pool', taskPools(t).join('|')],
      ['Bot', t.bot_id],
      ['Exit code', t.exit_code ?? ''],
      ['Failure', t.failure ? (t.internal_failure ? 'internal failure' : 'yes') : 'no'],
      ['User', t.user],
      ['Priority', t.priority],
      ['Created', when(tsMs(t.created_ts))],
      ['Started', when(tsMs(t.started_ts))],
      ['Completed', when(tsMs(t.completed_ts))],
      ['Duration', taskDuration(t)],
      ['Output size', `${t.output_size} bytes`],
      ['Deduplicated from', t.deduped_from],
      ['Tags', t.tags.join(' ')],
    ];
    replace(fields, ...rowsOf.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, String(v))]));
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

  /** @param {boolean} kill */
  async function cancel(kill) {
    try {
      const res = await api(`/api/tasks/${encodeURIComponent(taskId)}/cancel`, {
        method: 'POST',
        body: { kill_running: kill },
      });
      if (!res.canceled) show(`Not cancelled: the task is ${res.state}.`);
      else if (res.was_running && res.state === 'RUNNING') {
        killAsked = true;
        if (shown !== undefined) render(shown);
      }
    } catch (err) {
      show(String(/** @type {any} */ (err).message ?? err));
    }
  }

  async function loadEarlier() {
    const from = Math.max(0, start - TAIL_BYTES);
    try {
      const chunk = await api(
        `/api/tasks/${encodeURIComponent(taskId)}/output?offset=${from}&length=${start - from}`,
      );
      addText(new TextDecoder().decode(bytesOf(chunk.output)), true);
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
    request.textContent = JSON.stringify(taskRequest, null, 2);
    start = Math.max(0, Number(result.output_size) - TAIL_BYTES);
    next = start;
    decoder = new TextDecoder();
    renderEarlier();
    outputState.textContent = done ? outputState.textContent : 'waiting for output…';
    live.follow(taskId, () => next);
  })();

  return () => {
    for (const off of offs) off();
    live.unfollow(taskId);
  };
}
