// The crash-dump view's entry points for the planner (see web/dumpview).
// Nothing heavy loads with the page: the view's code, its worker and its
// wasm module are fetched only when the planner opens the view.

const views = new WeakMap();

// Renders the viewer into `element`. Resolves once it is ready for a file.
// A viewer the host page already provides (e.g. a test double) wins.
if (!window.headroomOpenDumpView) window.headroomOpenDumpView = async (element) => {
  const token = {};
  views.set(element, token);
  const { mount } = await import(new URL("./dumpview.js", import.meta.url).href);
  // Closed (or reopened) while the code was loading: mount nothing.
  if (views.get(element) !== token) return;
  views.set(element, mount(element));
};

// Stops any analysis, drops the dump and clears `element`.
if (!window.headroomCloseDumpView) window.headroomCloseDumpView = (element) => {
  const view = views.get(element);
  views.delete(element);
  if (view && typeof view.close === "function") view.close();
};
