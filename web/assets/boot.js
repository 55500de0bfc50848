// Loads the planner's wasm module from the same folder as the page, so the
// site works from any static host under any path prefix. The glue is
// imported dynamically so that its failure to load is reported too.

// The panic screen's button (the wasm instance is dead by then, so this is
// plain JS): drop the plan from the address and start again.
document.addEventListener('click', (event) => {
  if (event.target.closest('[data-action="reset-plan"]')) {
    history.replaceState(null, '', location.pathname);
    location.reload();
  }
});

// Plan links: the plan's TOML, deflated by the browser's own
// CompressionStream and written as base64url. Using the platform's deflate
// keeps a compressor out of the wasm module (~15 kB gzipped).
const MAX_PLAN = 1 << 20;

async function pipe(bytes, stream) {
  const out = new Response(new Blob([bytes]).stream().pipeThrough(stream));
  return new Uint8Array(await out.arrayBuffer());
}

window.headroomPack = async (text) => {
  const packed = await pipe(new TextEncoder().encode(text), new CompressionStream('deflate-raw'));
  let bin = '';
  for (const b of packed) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};

window.headroomUnpack = async (data) => {
  const bin = atob(data.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  const plain = await pipe(bytes, new DecompressionStream('deflate-raw'));
  if (plain.length > MAX_PLAN) throw new Error('the plan is too large');
  return new TextDecoder('utf-8', { fatal: true }).decode(plain);
};

// Offline after the first visit (sw.js). Browsers allow service workers on
// https and localhost only; elsewhere the page works as before, online.
// Registered once the planner runs: the worker's install fetches the
// planner's files, and on a first visit that must not compete with the
// page's own fetch of the module (nor take over that fetch half-way).
const keepOffline = () => {
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register(new URL('./sw.js', import.meta.url)).catch(() => {});
  }
};

// index.html shows the page's frame at once; until the planner replaces it,
// #boot-status says what is happening, and says so when the load is slow
// or fails (a slow phone link takes several seconds for the module).
const SLOW_MS = 8000;
const status = document.getElementById('boot-status');
const slow = setTimeout(() => {
  if (status && status.isConnected) {
    status.textContent = 'Still loading the planner: this connection is slow. It keeps trying.';
  }
}, SLOW_MS);

import('./headroom-web.js')
  .then((glue) => glue.default({ module_or_path: new URL('./headroom-web_bg.wasm', import.meta.url) }))
  .then(keepOffline)
  .catch((err) => {
    if (status && status.isConnected) {
      status.className = 'error';
      status.setAttribute('role', 'alert');
      status.textContent = `The planner could not load: ${err}. Check the connection, then reload the page.`;
    } else {
      const p = document.createElement('p');
      p.className = 'fatal';
      p.setAttribute('role', 'alert');
      p.textContent = `The planner could not start: ${err}`;
      document.body.prepend(p);
    }
  })
  .finally(() => clearTimeout(slow));
