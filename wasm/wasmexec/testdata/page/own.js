// The page's own script, served from the page's directory.
globalThis.wasmexecTestOwn = "loaded from own.js";
