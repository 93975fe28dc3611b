// Search as you type: debounced, one row per concept, never in the middle of an IME composition.
(function () {
  'use strict';
  const box = document.getElementById('q');
  const form = document.getElementById('search-form');
  const panel = document.getElementById('live-panel');
  const list = document.getElementById('live');
  const status = document.getElementById('live-status');
  const results = document.getElementById('results');
  if (!box || !list) return;
  const endpoint = box.dataset.endpoint;
  const DEBOUNCE_MS = 180;
  let composing = false;
  let timer = null;
  let controller = null;
  let seq = 0;
  let active = -1;
  let shownFor = null;

  // Exposed for tests and curious people: how many searches were sent, and for what.
  const stats = window.kgSearch = { sent: [], composing: () => composing };

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(run, DEBOUNCE_MS);
  }

  box.addEventListener('compositionstart', () => {
    composing = true;
    clearTimeout(timer);
  });
  box.addEventListener('compositionend', () => {
    composing = false;
    schedule();
  });
  box.addEventListener('input', (e) => {
    if (composing || e.isComposing) return; // wait for compositionend
    if (results && box.value.trim() !== (form.dataset.submitted || '')) results.hidden = true;
    schedule();
  });

  box.addEventListener('keydown', (e) => {
    // Keys that confirm or steer an IME conversion are the IME's, not ours (Safari reports 229).
    if (e.isComposing || composing || e.keyCode === 229) return;
    const options = list.querySelectorAll('li[role="option"]');
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      if (!options.length) return;
      e.preventDefault();
      const step = e.key === 'ArrowDown' ? 1 : -1;
      let next = active + step; // -1 is the box itself
      if (next >= options.length) next = -1;
      else if (next < -1) next = options.length - 1;
      select(next);
    } else if (e.key === 'Escape') {
      if (!panel.hidden) { e.preventDefault(); close(); }
    } else if (e.key === 'Enter') {
      if (active >= 0 && options[active]) {
        e.preventDefault();
        const link = options[active].querySelector('a.hit-label');
        if (link) window.location.href = link.href;
      }
      // otherwise the form submits: the full ranked list
    }
  });

  form.addEventListener('submit', (e) => {
    if (composing) { e.preventDefault(); return; }
    clearTimeout(timer);
    if (controller) controller.abort();
  });

  box.addEventListener('focus', () => {
    // Coming back to the box shows the candidates it had.
    if (box.value.trim() && box.value.trim() === shownFor && list.children.length) {
      panel.hidden = false;
      box.setAttribute('aria-expanded', list.querySelector('li[role="option"]') ? 'true' : 'false');
    }
  });

  document.addEventListener('click', (e) => {
    if (!form.contains(e.target) && !panel.contains(e.target)) close(true);
  });

  function select(index) {
    const options = list.querySelectorAll('li[role="option"]');
    active = index >= options.length ? -1 : index;
    options.forEach((li, i) => li.setAttribute('aria-selected', i === active ? 'true' : 'false'));
    if (active >= 0) {
      box.setAttribute('aria-activedescendant', options[active].id);
      options[active].scrollIntoView({ block: 'nearest' });
    } else {
      box.removeAttribute('aria-activedescendant');
    }
  }

  function close(keepText) {
    panel.hidden = true;
    box.setAttribute('aria-expanded', 'false');
    box.removeAttribute('aria-activedescendant');
    active = -1;
    if (!keepText) status.textContent = '';
  }

  async function run() {
    const q = box.value.trim();
    const mine = ++seq;
    if (!q) {
      list.replaceChildren();
      close();
      shownFor = null;
      if (results) results.hidden = false;
      return;
    }
    if (q === shownFor) return;
    if (controller) controller.abort();
    controller = new AbortController();
    stats.sent.push(q);
    let data;
    try {
      const r = await fetch(endpoint + '?q=' + encodeURIComponent(q), {
        headers: { Accept: 'application/json' }, signal: controller.signal,
      });
      if (!r.ok) throw new Error('HTTP ' + r.status);
      data = await r.json();
    } catch (err) {
      if (err.name === 'AbortError') return;
      if (mine === seq) status.textContent = '候補を取得できませんでした(' + err.message + ')。Enter で検索できます。';
      return;
    }
    if (mine !== seq) return; // a newer keystroke won
    shownFor = q;
    render(data.results || [], q);
  }

  function parts(el, ps) {
    for (const [text, hit] of ps) {
      if (hit) {
        const m = document.createElement('mark');
        m.textContent = text;
        el.appendChild(m);
      } else {
        el.appendChild(document.createTextNode(text));
      }
    }
  }

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function render(rows, q) {
    list.replaceChildren();
    active = -1;
    rows.forEach((h, i) => {
      const li = el('li', 'hit');
      li.id = 'opt-' + i;
      li.setAttribute('role', 'option');
      li.setAttribute('aria-selected', 'false');
      li.dataset.uri = h.uri;
      const head = el('div', 'hit-head');
      const a = el('a', 'hit-label');
      a.href = h.href;
      a.lang = h.lang || 'ja';
      parts(a, h.labelParts);
      head.appendChild(a);
      if (h.reading) head.appendChild(el('span', 'hit-reading', h.reading));
      if (h.matchedParts && h.matchedParts.length) {
        const m = el('span', 'hit-match', h.matchName + '「');
        parts(m, h.matchedParts);
        m.appendChild(document.createTextNode('」に一致'));
        head.appendChild(m);
      }
      li.appendChild(head);
      if (h.definition) li.appendChild(el('p', 'hit-def', h.definition));
      if (h.glossaries && h.glossaries.length) {
        const src = el('div', 'hit-src', '出典 ');
        for (const g of h.glossaries) {
          const b = el('a', 'badge', g.name);
          b.href = g.href;
          b.title = g.file;
          b.tabIndex = -1;
          src.appendChild(b);
        }
        li.appendChild(src);
      }
      li.addEventListener('mousedown', (e) => {
        if (e.target.closest('a')) return;
        e.preventDefault();
        window.location.href = h.href;
      });
      list.appendChild(li);
    });
    panel.hidden = false;
    box.setAttribute('aria-expanded', rows.length ? 'true' : 'false');
    box.removeAttribute('aria-activedescendant');
    if (rows.length) {
      status.textContent = '候補 ' + rows.length + '件。↓↑で選び Enter で開く、Enter だけですべての結果。';
    } else {
      const li = el('li', 'empty', '「' + q + '」に確かな候補はありません。Enter で詳しく検索します。');
      li.id = 'live-empty';
      list.appendChild(li);
      status.textContent = '確かな候補はありません。';
    }
  }

  // A query in the box at load (the full list is on the page already): remember it, so typing hides it.
  form.dataset.submitted = box.value.trim();
  if (box.value.trim() && !results.querySelector('.hit, #no-answer')) schedule();
})();
