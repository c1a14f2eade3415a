// Task page: result fields, the request, and the output: the last MiB at first (earlier output
// on demand), then growing live until the task is final and every byte arrived.

import { ApiError, api } from './api.js';
import { h, replace, stateBadge, when } from './dom.js';
import { taskDuration } from './tasks.js';

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
export function taskPage({ root, live, show, params }) {
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

  let mayCancel = false;
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

  /** @param {any} t */
  function render(t) {
    replace(title, t.name || t.id, ' ', stateBadge(t.state));
    const rowsOf = [
      ['Task id', t.id],
      ['State', t.state + (t.killRequested && t.state === 'RUNNING' ? ' (kill requested)' : '')],
      ['Summary', t.summary],
      ['Pool', t.pool],
      ['Bot', t.botId],
      ['Exit code', t.exitCode ?? ''],
      ['Failure', t.failure ? (t.internalFailure ? 'internal failure' : 'yes') : 'no'],
      ['User', t.user],
      ['Priority', t.priority],
      ['Created', when(t.createdAtMs)],
      ['Started', when(t.startedAtMs)],
      ['Completed', when(t.completedAtMs)],
      ['Duration', taskDuration(t)],
      ['Output size', `${t.outputSize} bytes`],
      ['Deduplicated from', t.dedupedFrom],
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
    if (mayCancel && t.state === 'PENDING') {
      actions.append(
        h('button', { type: 'button', id: 'cancel', onclick: () => cancel(false) }, 'Cancel'),
      );
    }
    if (mayCancel && t.state === 'RUNNING' && !t.killRequested) {
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
        body: { kill },
      });
      if (!res.canceled) show(`Not cancelled: the task is ${res.state}.`);
    } catch (err) {
      show(String(/** @type {any} */ (err).message ?? err));
    }
  }

  async function loadEarlier() {
    const from = Math.max(0, start - TAIL_BYTES);
    try {
      const res = await api(
        `/api/tasks/${encodeURIComponent(taskId)}/output?offset=${from}&length=${start - from}`,
        {
          raw: true,
        },
      );
      const bytes = new Uint8Array(await res.arrayBuffer());
      addText(new TextDecoder().decode(bytes), true);
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
      if (msg.task.id === taskId) render(msg.task);
    }),
    live.on('output', (msg) => {
      if (msg.taskId !== taskId) return;
      let bytes = bytesOf(msg.data);
      if (msg.offset > next) return; // a gap cannot happen: the server sends in order
      if (msg.offset < next) bytes = bytes.subarray(next - msg.offset);
      next += bytes.length;
      addText(decoder.decode(bytes, { stream: true }));
      outputState.textContent = `${next} of ${msg.size} bytes, live`;
    }),
    live.on('output-end', (msg) => {
      if (msg.taskId !== taskId) return;
      addText(decoder.decode());
      done = true;
      outputState.textContent = `complete: ${msg.size} bytes`;
    }),
    live.on('follow-error', (msg) => {
      if (msg.taskId === taskId) show(msg.message);
    }),
  ];

  (async () => {
    let detail;
    try {
      detail = await api(`/api/tasks/${encodeURIComponent(taskId)}`);
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401))
        show(String(/** @type {any} */ (err).message ?? err));
      return;
    }
    mayCancel = detail.may.cancel;
    render(detail.task);
    request.textContent = JSON.stringify(detail.request, null, 2);
    start = Math.max(0, detail.task.outputSize - TAIL_BYTES);
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
