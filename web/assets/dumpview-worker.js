// Runs dumptool's analysis (the headroom-dumpview wasm module) off the main
// thread, so a dump of tens of MB does not freeze the page. One message in
// ({name, bytes, symbols}), progress and one result or error out.

let engine = null;

async function load() {
  if (!engine) {
    const mod = await import(new URL("./headroom-dumpview.js", import.meta.url).href);
    await mod.default({ module_or_path: new URL("./headroom-dumpview_bg.wasm", import.meta.url) });
    engine = mod;
  }
  return engine;
}

self.onmessage = async (event) => {
  const { name, bytes, symbols } = event.data;
  try {
    self.postMessage({ type: "progress", stage: "Loading the analyzer" });
    const mod = await load();
    self.postMessage({ type: "progress", stage: "Analyzing " + name });
    const json = mod.openDump(name, new Uint8Array(bytes), symbols);
    self.postMessage({ type: "done", json });
  } catch (e) {
    self.postMessage({ type: "error", message: e && e.message ? e.message : String(e) });
  }
};
