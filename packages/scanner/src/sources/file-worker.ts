/** Worker thread entry: scans the files it can claim of the batches it is sent, with its own engine. */

import { parentPort, workerData } from "node:worker_threads";
import { selectDetectors } from "../detectors/index.js";
import { createEngine } from "../engine.js";
import { CLAIMED_BY_WORKER, claim, type WorkerInit, type WorkerReply, type WorkerRequest } from "./pool-protocol.js";
import { type FileEntry, type FileScanResult, scanFile } from "./scan-file.js";

const init = workerData as WorkerInit;
const engine = createEngine(selectDetectors(init.spec));
const claims = new Int32Array(init.claims);

parentPort?.on("message", (request: WorkerRequest) => {
  if ("done" in request) {
    parentPort?.close();
    return;
  }
  try {
    // A file of the batch may have been taken over by the calling thread meanwhile: skip it.
    const results: { entry: FileEntry; result: FileScanResult }[] = [];
    for (const { index, entry } of request.files) {
      if (claim(claims, index, CLAIMED_BY_WORKER))
        results.push({ entry, result: scanFile(engine, entry, init.options) });
    }
    parentPort?.postMessage({ results } satisfies WorkerReply);
  } catch (error) {
    parentPort?.postMessage({ fatal: (error as Error).message } satisfies WorkerReply);
  }
});
