// Loads the planner's wasm module from the same folder as the page, so the
// site works from any static host under any path prefix.
import init from './headroom-web.js';

init(new URL('./headroom-web_bg.wasm', import.meta.url)).catch((err) => {
  const p = document.createElement('p');
  p.className = 'fatal';
  p.textContent = `The planner could not start: ${err}`;
  document.body.prepend(p);
});
