/** Worker thread entry: scans the batches of files it is sent with its own engine. */

import { parentPort, workerData } from "node:worker_threads";
import { selectDetectors } from "../detectors/index.js";
import { createEngine } from "../engine.js";
import type { WorkerInit, WorkerReply, WorkerRequest } from "./file-pool.js";
import { scanFile } from "./scan-file.js";

const init = workerData as WorkerInit;
const engine = createEngine(selectDetectors(init.spec));

parentPort?.on("message", (request: WorkerRequest) => {
  if ("done" in request) {
    parentPort?.close();
    return;
  }
  try {
    const results = request.files.map((entry) => ({ entry, result: scanFile(engine, entry, init.options) }));
    parentPort?.postMessage({ results } satisfies WorkerReply);
  } catch (error) {
    parentPort?.postMessage({ fatal: (error as Error).message } satisfies WorkerReply);
  }
});
